// One lint configuration for every workspace: typescript-eslint's recommended rules, plus the two typed rules that
// catch promises nobody awaits (a lost rejection, an async callback where a sync one is expected). Type information
// comes from each package's tsconfig.json through the project service; each package runs `eslint src test`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/artifacts/**', '**/cache/**', '**/typechain-types/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // One error base: every error is made with protocol's errorDefiner (a stable code, a docs anchor, a cause
      // chain); only protocol/src/errors.ts extends Error itself.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            ':matches(ClassDeclaration, ClassExpression)[superClass.name=/^(Error|TypeError|RangeError|SyntaxError|EvalError|ReferenceError|URIError|AggregateError)$/]',
          message:
            "Errors extend protocol's CloisterError: define them with errorDefiner (protocol/src/errors.ts), never `extends Error`.",
        },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise is awaited, returned, handled, or marked `void` with a comment saying why fire-and-forget is right.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises the runner itself awaits and reports.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  { files: ['protocol/src/errors.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // The dashboard's browser bundle cannot load protocol (CommonJS, Node crypto) within its size budget.
  { files: ['dashboard/src/**'], rules: { 'no-restricted-syntax': 'off' } },
);
