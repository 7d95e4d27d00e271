import { configDefaults, defineConfig } from 'vitest/config';
import { BACKEND_FREE_TESTS } from './src/test/backend-free.js';

const onServer = process.env.GATEHOUSE_TEST_BACKEND === 'postgres';

export default defineConfig({
  test: {
    // The SDK's tests (packages/client) run against the real app, so they share its setup.
    include: ['src/**/*.test.ts', 'packages/client/test/**/*.test.ts'],
    // Files that never open a database run once, in the embedded pass (src/test/backend-free.ts).
    exclude: onServer ? [...configDefaults.exclude, ...BACKEND_FREE_TESTS] : configDefaults.exclude,
    // Migrates once per run; each test file's database is a copy (src/test/database.ts).
    globalSetup: ['src/test/global-setup.ts'],
    // A stray `.only` must not pass CI by silently skipping the rest of the suite.
    allowOnly: process.env.CI !== 'true',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share their worker's module cache: no file keeps state in a module (docs/architecture.md),
    // and importing the app once per worker instead of once per file cuts the run's CPU time by about a third.
    isolate: false,
    reporters: ['default'],
  },
});
