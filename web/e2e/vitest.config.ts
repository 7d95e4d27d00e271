import { defineConfig } from 'vitest/config';

// The browser suite: run once per `npm test` (on the embedded database) by scripts/test.js,
// after the build, against `gatehouse serve` started from dist/.
export default defineConfig({
  test: {
    root: new URL('../../', import.meta.url).pathname,
    include: ['web/e2e/**/*.test.ts'],
    // The data directories servers start from (migrated, demo), made once per run.
    globalSetup: ['web/e2e/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
    // A page under a loaded CI machine can take seconds to settle: expect.poll waits up to 15 s
    // (Vitest's default, 1 s, failed a consent page that arrived after 4 s beside the server pass).
    expect: { poll: { timeout: 15_000, interval: 100 } },
    // A stray `.only` must not pass CI by silently skipping the rest of the suite.
    allowOnly: process.env.CI !== 'true',
  },
});
