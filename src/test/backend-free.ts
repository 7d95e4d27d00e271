/**
 * Test files that never open a database: the command line against its own embedded data
 * directory, pure functions, the import rules. They answer the same whatever the run's backend,
 * so the PostgreSQL pass of `npm test` leaves them out (vitest.config.ts) instead of repeating
 * them. `src/architecture.test.ts` fails when one of them starts using the test database, which
 * would otherwise lose its run on the server.
 */
export const BACKEND_FREE_TESTS = [
  'src/main.test.ts',
  'src/config.test.ts',
  'src/architecture.test.ts',
  'src/mail/templates/templates.test.ts',
  'src/webhooks/ssrf.test.ts',
];

/** An import through which a test file reaches the run's database: the test helpers, the app, the database layer. */
export const DATABASE_IMPORT = /from '[./]*\/(test\/(app|database|fixtures|oidc|invitations)|app|db\/[\w-]+)\.js'/;
