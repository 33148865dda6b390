// ESLint for the TypeScript sources: the recommended rules, plus the few that catch the bugs
// this codebase is most exposed to (floating promises in async plumbing, unused code).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'models/**', 'test/support/*.js', 'scripts/**/*.js', 'scripts/**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Nest's dynamic-module factories take `...args: any[]` by design.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Writers own their connections (libs/persistence/src/prediction-writers.ts): TypeORM's driver
    // internals change between releases without notice (issue 10 item 4).
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^(master|slaves|databaseConnection)$/]',
          message: "TypeORM driver internals: open the connection you need from the module's options instead",
        },
      ],
    },
  },
);
