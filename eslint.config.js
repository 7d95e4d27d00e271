// Lint: typescript-eslint strict and type-checked, on the server and on the console (web/src,
// `.vue` single-file components through eslint-plugin-vue); any warning fails `npm test`.
import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const typescriptRules = {
  '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
  '@typescript-eslint/consistent-type-definitions': 'off',
  '@typescript-eslint/no-extraneous-class': 'off',
  // Fastify handlers and hooks are async by contract, with or without an await inside.
  '@typescript-eslint/require-await': 'off',
  '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, argsIgnorePattern: '^_' }],
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'web/public/', 'web/src/api/schema.d.ts', 'packages/client/dist/', 'packages/client/src/generated/', 'web/vite.config.ts', 'web/embed/vite.config.ts', 'web/embed/budget.ts', 'web/e2e/vitest.config.ts', 'coverage/', 'test-results/', '.gatehouse/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    ignores: ['web/src/**', 'web/embed/**'],
    extends: [...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: typescriptRules,
  },
  // The console and its embeddable elements (web/embed): the same strictness, with the console's own tsconfig (DOM, bundler resolution).
  {
    files: ['web/src/**/*.ts', 'web/src/**/*.vue', 'web/embed/**/*.ts', 'web/embed/**/*.vue'],
    extends: [...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked, ...pluginVue.configs['flat/essential']],
    languageOptions: {
      globals: globals.browser,
      parserOptions: {
        parser: tseslint.parser,
        projectService: true,
        extraFileExtensions: ['.vue'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      ...typescriptRules,
      // Pages and components are named for what they are (Login, Settings, Field); none shares
      // a name with an HTML element.
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: globals.node },
  },
);
