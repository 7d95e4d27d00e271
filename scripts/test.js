// The whole test suite: the integration tests on embedded PGlite and on the PostgreSQL server
// named by TEST_DATABASE_URL (under CI=true that server is required), and the browser suite.
//
// Two lanes run side by side, so both cores of a small CI machine work: the embedded pass in
// one, the server pass then the browser suite in the other. Each suite's output is held and
// printed whole when it ends, so the log reads suite by suite.
import { spawn } from 'node:child_process';
import pg from 'pg';

const ci = process.env.CI === 'true';
const url = process.env.TEST_DATABASE_URL ?? '';
const extra = process.argv.slice(2);

/** Runs vitest with `args`, printing its output when it ends; resolves to its exit status. */
function suite(title, args, env) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('vitest', ['run', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.once('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stdout.write(`\n=== ${title} (${seconds} s, exit ${String(code)}) ===\n\n${Buffer.concat(chunks).toString()}`);
      resolve(code ?? 1);
    });
  });
}

async function serverReachable() {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch (error) {
    console.error(`PostgreSQL at TEST_DATABASE_URL is not reachable: ${error.message}`);
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function serverPass() {
  if (url === '') {
    if (ci) {
      console.error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL run is required.');
      return 1;
    }
    console.warn('TEST_DATABASE_URL is not set: skipping the PostgreSQL run.');
    return 0;
  }
  if (!(await serverReachable())) return 1;
  return suite('Test suite on postgres', extra, { GATEHOUSE_TEST_BACKEND: 'postgres' });
}

// The browser suite (web/e2e) runs once, against a server on the embedded database.
const browserPass = () =>
  extra.length === 0 ? suite('Browser suite (Chromium, embedded database)', ['--config', 'web/e2e/vitest.config.ts'], {}) : 0;

const started = Date.now();
const statuses = await Promise.all([
  suite('Test suite on pglite', extra, { GATEHOUSE_TEST_BACKEND: 'pglite' }),
  serverPass().then(async (status) => Math.max(status, await browserPass())),
]);
console.log(`\nAll suites took ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(statuses.some((status) => status !== 0) ? 1 : 0);
