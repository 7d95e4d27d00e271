import { defineConfig } from 'vitest/config';

// The browser suite: run once per `npm test` (on the embedded database) by scripts/test.js,
// after the build, against `gatehouse serve` started from dist/.
export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: ['web/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
    // A stray `.only` must not pass CI by silently skipping the rest of the suite.
    allowOnly: process.env.CI !== 'true',
  },
});
