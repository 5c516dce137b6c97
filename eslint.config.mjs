// One lint configuration for every workspace: typescript-eslint's recommended rules, no type information
// (fast on a 2-core machine); each package runs `eslint src test`.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/artifacts/**', '**/cache/**', '**/typechain-types/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
