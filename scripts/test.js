// The whole test suite: the integration tests on embedded PGlite, then again on the
// PostgreSQL server named by TEST_DATABASE_URL. Under CI=true that server is required.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

const ci = process.env.CI === 'true';
const url = process.env.TEST_DATABASE_URL ?? '';
const extra = process.argv.slice(2);

function vitest(backend) {
  console.log(`\n=== Test suite on ${backend} ===\n`);
  const result = spawnSync('vitest', ['run', ...extra], {
    stdio: 'inherit',
    env: { ...process.env, GATEHOUSE_TEST_BACKEND: backend },
  });
  return result.status ?? 1;
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

// The browser suite (web/e2e) runs once, against a server on the embedded database.
function browserSuite() {
  console.log('\n=== Browser suite (Chromium, embedded database) ===\n');
  const started = Date.now();
  const result = spawnSync('vitest', ['run', '--config', 'web/e2e/vitest.config.ts'], { stdio: 'inherit', env: process.env });
  console.log(`Browser suite took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.status ?? 1;
}

let status = vitest('pglite');
if (extra.length === 0) status ||= browserSuite();
if (url === '') {
  if (ci) {
    console.error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL run is required.');
    status ||= 1;
  } else {
    console.warn('TEST_DATABASE_URL is not set: skipping the PostgreSQL run.');
  }
} else if (!(await serverReachable())) {
  status ||= 1;
} else {
  status ||= vitest('postgres');
}
process.exit(status);
