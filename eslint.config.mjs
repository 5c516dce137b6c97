// One lint configuration for every workspace: typescript-eslint's recommended rules, no type information
// (fast on a 2-core machine); each package runs `eslint src test`.
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
  { files: ['protocol/src/errors.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // The dashboard's browser bundle cannot load protocol (CommonJS, Node crypto) within its size budget.
  { files: ['dashboard/src/**'], rules: { 'no-restricted-syntax': 'off' } },
);
