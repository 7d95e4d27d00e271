// Invitation benchmarks on PostgreSQL (the figures in the README). Usage:
//   npm run build && node bench/invitations.js [--seconds 15] [--rows 1000000] [--skip-list] [--keep]
//     [--phases single,pgbench,bulk,list]   (default: all; bench/interleave.js alternates
//     `--phases single` with `--phases pgbench` to compare the two sides run by run)
// Needs a PostgreSQL server (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
// a scratch database is created and dropped) and pgbench on PATH or under /usr/lib/postgresql/*/bin.
//
// 1. Single create through HTTP, 32 connections (autocannon): req/s, p50, p99, and the server's
//    CPU per request; then pgbench running the same writes per transaction (invitation, event,
//    outbox row, quota counter) at 32 clients for the same time, twice: as the app writes them
//    (one statement) and as four statements between BEGIN and END. The ratio HTTP / pgbench,
//    against the faster of the two, is the figure (target >= 35 %).
// 2. Bulk create of 10,000 invitations: 10 requests of 1,000 (target < 3 s).
// 3. List, first page and a deep cursor page, with 1,000,000 invitations in one org
//    (generated with generate_series): p50/p95/p99 over sequential requests (target p95 < 15 ms).
// The server runs its mail dispatcher throughout (it is `gatehouse serve`); before pgbench and
// before each later phase the bench waits until it has sent every queued email, so no phase is
// measured while the previous one's emails are still going out.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    rows: { type: 'string', default: '1000000' },
    'skip-list': { type: 'boolean', default: false },
    phases: { type: 'string', default: 'single,pgbench,bulk,list' },
    keep: { type: 'boolean', default: false },
  },
});
const PHASES = new Set(args.phases.split(',').map((phase) => phase.trim()));
for (const phase of PHASES) if (!['single', 'pgbench', 'bulk', 'list'].includes(phase)) throw new Error(`unknown phase ${phase}`);
if (args['skip-list']) PHASES.delete('list');
const SECONDS = Number(args.seconds);
const ROWS = Number(args.rows);
const CONNECTIONS = 32;
const PORT = 3977;
const BASE = `http://127.0.0.1:${PORT}`;

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `gatehouse_bench_${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
const bin = path.resolve('bin/gatehouse.js');
// The operator's ceiling is raised so the bench org's quota (1,000,000 an hour) holds.
const env = { PATH: process.env.PATH, DATABASE_URL: dbUrl, PUBLIC_URL: BASE, PORT: String(PORT), LOG_LEVEL: 'warn', AUTH_RATE_LIMIT: '0', INVITATION_QUOTA_MAX: '1000000' };

function pgbenchPath() {
  const onPath = spawnSync('pgbench', ['--version']);
  if (onPath.status === 0) return 'pgbench';
  for (const version of readdirSync('/usr/lib/postgresql').sort().reverse()) {
    const candidate = `/usr/lib/postgresql/${version}/bin/pgbench`;
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('pgbench not found');
}

async function query(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

const sha256 = (value) => createHash('sha256').update(value).digest('hex');

/**
 * A trusted org with an owner, and an API key that owner made: a key holds what its creator
 * still holds, so it needs one.
 */
async function setupOrg(name, quota = 1_000_000) {
  const org = (await query(dbUrl, 'insert into orgs (name, invitations_per_hour, trusted) values ($1, $2, true) returning id', [name, quota])).rows[0].id;
  const owner = (
    await query(
      dbUrl,
      "insert into users (email, first_name, last_name, status, email_verified_at, updated_at) values ($1, 'Bench', 'Owner', 'active', now(), now()) returning id",
      [`owner-${randomBytes(6).toString('hex')}@bench.test`],
    )
  ).rows[0].id;
  await query(dbUrl, "insert into grants (org_id, user_id, role, updated_at) values ($1, $2, 'owner', now())", [org, owner]);
  const secret = `gh_${randomBytes(24).toString('base64url')}`;
  const permissions = JSON.stringify(['invitations:manage', 'invitations:read', 'org:read', 'members:read', 'people:read', 'events:read']);
  const key = (
    await query(dbUrl, 'insert into api_keys (org_id, name, permissions, prefix, secret_hash, created_by) values ($1, $2, $3, $4, $5, $6) returning id', [
      org,
      'bench',
      permissions,
      secret.slice(0, 8),
      sha256(secret),
      owner,
    ])
  ).rows[0].id;
  return { org, key, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' } };
}

async function startServer() {
  const child = spawn(process.execPath, [bin, 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${BASE}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server did not become ready');
}

/** CPU time (user + system) of a child process in ms, or null where /proc is not there. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return null;
  }
}

/** Waits until the server's dispatcher has sent every due email; returns how many it sent and how long it took. */
async function drainOutbox() {
  const started = performance.now();
  const count = async () =>
    Number((await query(dbUrl, "select count(*) from outbox where status = 'pending' and next_attempt_at <= now()")).rows[0].count);
  const first = await count();
  for (let left = first; left > 0; left = await count()) {
    if (performance.now() - started > 600_000) throw new Error(`outbox not drained: ${left} emails left`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { emails: first, ms: performance.now() - started };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timeSequential(url, headers, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
}

async function benchSingleCreate() {
  const { org, headers } = await setupOrg('Bench single');
  // A bench that times refusals measures nothing: the first create must succeed.
  const probe = await fetch(`${BASE}/api/v1/orgs/${org}/invitations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ email: 'probe@bench.test', role: 'member' }),
  });
  if (probe.status !== 201) throw new Error(`a create answered ${probe.status}: ${await probe.text()}`);
  let n = 0;
  const run = (duration) =>
    autocannon({
      url: `${BASE}/api/v1/orgs/${org}/invitations`,
      connections: CONNECTIONS,
      duration,
      requests: [
        {
          method: 'POST',
          headers,
          setupRequest: (request) => ({ ...request, body: JSON.stringify({ email: `single.${n++}@bench.test`, role: 'member' }) }),
        },
      ],
    });
  await run(3); // warm-up: JIT, pool, caches
  const cpuBefore = cpuMs(server.pid);
  const result = await run(SECONDS);
  const cpuAfter = cpuMs(server.pid);
  const non2xx = result.non2xx + result.errors;
  const cpuPerRequest = cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / result.requests.total;
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, total: result.requests.total, non2xx, cpuPerRequest };
}

// The writes of one invitation create, as the app issues them (invitation.repository.ts
// insertNewInvitations, one row): one statement of data-modifying CTEs, its own transaction.
// The email rows are parked (due in 9999, like a reminder) so that the server's dispatcher
// leaves them alone: it would otherwise send them while pgbench runs, and after.
const PGBENCH_STATEMENT = `\\set shard 0
WITH input AS (SELECT gen_random_uuid() AS id), written AS (
  INSERT INTO invitations (id, org_id, role, email, inviter_type, inviter_id, inviter_name, metadata, status, token_hash, tracking_id, expires_at, created_at, updated_at, token_issued_at)
  SELECT input.id, :org, 'member', gen_random_uuid() || '@pgbench.test', 'api_key', :key, 'bench', '{}', 'pending', md5(random()::text) || md5(random()::text), md5(random()::text), now() + interval '30 days', now(), now(), now() FROM input
  ON CONFLICT DO NOTHING RETURNING *
), written_0 AS (
  INSERT INTO events (id, type, org_id, invitation_id, actor_type, actor_id, actor_label, data, occurred_at)
  SELECT gen_random_uuid(), 'invitation.created', :org, x.invitation_id, 'api_key', :key, 'bench', x.data::jsonb, now()
  FROM (VALUES ((SELECT id FROM input), '{"email": "x@pgbench.test", "role": "member"}')) AS x(invitation_id, data) JOIN written ON written.id = x.invitation_id
), written_1 AS (
  INSERT INTO outbox (kind, org_id, invitation_id, message_id, payload, next_attempt_at)
  SELECT 'email', :org, x.invitation_id, gen_random_uuid()::text, x.payload::jsonb, '9999-01-01T00:00:00Z'
  FROM (VALUES ((SELECT id FROM input), '{"to": "x@pgbench.test", "template": "invitation", "data": {}}')) AS x(invitation_id, payload) JOIN written ON written.id = x.invitation_id
), quota AS (
  INSERT INTO invitation_quota_counters (org_id, window_start, shard, count)
  SELECT :org, date_trunc('hour', now()), :shard, count(*) FROM written HAVING count(*) > 0
  ON CONFLICT (org_id, window_start, shard) DO UPDATE SET count = invitation_quota_counters.count + excluded.count
  WHERE invitation_quota_counters.count + excluded.count <= 1000000
)
SELECT * FROM written;
`;

// The same writes as separate statements in one transaction (how the app wrote them before).
const PGBENCH_SEPARATE = `\\set shard 0
BEGIN;
INSERT INTO invitations (org_id, role, email, inviter_type, inviter_id, inviter_name, metadata, status, token_hash, tracking_id, expires_at, created_at, updated_at, token_issued_at) VALUES (:org, 'member', gen_random_uuid() || '@pgbench.test', 'api_key', :key, 'bench', '{}', 'pending', md5(random()::text) || md5(random()::text), md5(random()::text), now() + interval '30 days', now(), now(), now()) RETURNING id \\gset
INSERT INTO events (type, org_id, invitation_id, actor_type, actor_id, actor_label, data, occurred_at) VALUES ('invitation.created', :org, ':id', 'api_key', :key, 'bench', '{"email": "x@pgbench.test", "role": "member"}', now());
INSERT INTO outbox (kind, org_id, invitation_id, message_id, payload, next_attempt_at) VALUES ('email', :org, ':id', gen_random_uuid()::text, '{"to": "x@pgbench.test", "template": "invitation", "data": {}}', '9999-01-01T00:00:00Z');
INSERT INTO invitation_quota_counters (org_id, window_start, shard, count) VALUES (:org, date_trunc('hour', now()), :shard, 1) ON CONFLICT (org_id, window_start, shard) DO UPDATE SET count = invitation_quota_counters.count + 1 WHERE invitation_quota_counters.count + 1 <= 1000000;
END;
`;

function benchPgbench(org, key, text) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-pgbench-'));
  const script = path.join(dir, 'create.sql');
  writeFileSync(script, text);
  const url = new URL(dbUrl);
  const result = spawnSync(
    pgbenchPath(),
    ['-n', '-c', String(CONNECTIONS), '-j', '2', '-T', String(SECONDS), '-f', script, '-D', `org='${org}'`, '-D', `key='${key}'`,
      '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', dbName],
    { encoding: 'utf8' },
  );
  rmSync(dir, { recursive: true, force: true });
  const tps = /tps = ([\d.]+)/.exec(result.stdout)?.[1];
  if (tps === undefined || /aborted/.test(result.stderr)) throw new Error(`pgbench failed: ${result.stdout}\n${result.stderr}`);
  const latency = /latency average = ([\d.]+) ms/.exec(result.stdout)?.[1];
  return { tps: Number(tps), latencyAvg: Number(latency) };
}

async function benchBulk() {
  const { org, headers } = await setupOrg('Bench bulk');
  const started = performance.now();
  for (let r = 0; r < 10; r++) {
    const invitations = Array.from({ length: 1000 }, (_, i) => ({ email: `bulk.${r}.${i}@bench.test`, role: 'member' }));
    const res = await fetch(`${BASE}/api/v1/orgs/${org}/invitations/bulk`, { method: 'POST', headers, body: JSON.stringify({ invitations }) });
    const body = await res.json();
    if (res.status !== 200 || !body.results.every((x) => x.ok)) throw new Error(`bulk failed: ${res.status}`);
  }
  return { ms: performance.now() - started };
}

async function benchList() {
  const { org, key, headers } = await setupOrg('Bench list');
  const generated = performance.now();
  // One org, ROWS invitations over the last year, a realistic status mix; microsecond timestamps.
  await query(
    dbUrl,
    `insert into invitations (org_id, role, email, inviter_type, inviter_id, inviter_name, metadata, status, token_hash,
       tracking_id, expires_at, created_at, updated_at, token_issued_at)
     select $1, 'member', 'list.' || g || '@bench.test', 'api_key', $2, 'bench', '{}',
       (array['pending','sent','opened','clicked','accepted','declined','revoked','expired','failed'])[1 + (g % 9)],
       md5(g::text || 'token'), md5(g::text || 'tracking'),
       now() + interval '30 days', now() - (g * interval '31 seconds') - (g % 997) * interval '1 microsecond', now(), now()
     from generate_series(1, $3) as g`,
    [org, key, ROWS],
  );
  // A table this size in use has been vacuumed: the bench does it now rather than leave it to an
  // autovacuum that may start in the middle of the measurement.
  await query(dbUrl, 'vacuum analyze invitations');
  const generateMs = performance.now() - generated;
  const deep = (
    await query(
      dbUrl,
      `select (extract(epoch from created_at) * 1000000)::bigint::text as micros, id from invitations
       where org_id = $1 order by created_at desc, id desc offset $2 limit 1`,
      [org, Math.floor(ROWS * 0.9)],
    )
  ).rows[0];
  const cursor = Buffer.from(`t:${deep.micros}:${deep.id}`).toString('base64url');
  const list = `${BASE}/api/v1/orgs/${org}/invitations`;
  const auth = { authorization: headers.authorization };
  await timeSequential(`${list}?limit=50`, auth, 30); // warm-up
  return {
    generateMs,
    first: await timeSequential(`${list}?limit=50`, auth, 300),
    deep: await timeSequential(`${list}?limit=50&cursor=${cursor}`, auth, 300),
    firstByStatus: await timeSequential(`${list}?limit=50&status=accepted`, auth, 300),
    deepByStatus: await timeSequential(`${list}?limit=50&status=accepted&cursor=${cursor}`, auth, 300),
  };
}

const fmt = (ms) => `${ms.toFixed(1)} ms`;

await query(adminUrl, `create database ${dbName}`);
let server;
try {
  const migrated = spawnSync(process.execPath, [bin, 'migrate'], { env, encoding: 'utf8' });
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
  server = await startServer();

  let single;
  if (PHASES.has('single')) {
    single = await benchSingleCreate();
    const cpu = single.cpuPerRequest === null ? '' : `, server CPU ${single.cpuPerRequest.toFixed(2)} ms/request`;
    console.log(
      `single create over HTTP, ${CONNECTIONS} connections, ${SECONDS} s: ${single.rps.toFixed(0)} req/s, p50 ${single.p50} ms, p99 ${single.p99} ms (${single.total} requests, ${single.non2xx} not 2xx${cpu})`,
    );
    const drained = await drainOutbox();
    console.log(`  then the dispatcher sent the ${drained.emails} emails still queued in ${fmt(drained.ms)}`);
  }
  if (PHASES.has('pgbench')) {
    const bench = await setupOrg('Bench pgbench');
    const statement = benchPgbench(bench.org, bench.key, PGBENCH_STATEMENT);
    console.log(`pgbench, the same writes as one statement, ${CONNECTIONS} clients, ${SECONDS} s: ${statement.tps.toFixed(0)} tps (latency avg ${statement.latencyAvg} ms)`);
    const separate = benchPgbench(bench.org, bench.key, PGBENCH_SEPARATE);
    console.log(`pgbench, the same writes as four statements in BEGIN/END, ${CONNECTIONS} clients, ${SECONDS} s: ${separate.tps.toFixed(0)} tps (latency avg ${separate.latencyAvg} ms)`);
    const pgbenchTps = Math.max(statement.tps, separate.tps);
    console.log(`pgbench, the faster form: ${pgbenchTps.toFixed(0)} tps`);
    if (single !== undefined) console.log(`ratio HTTP / pgbench (the faster): ${((single.rps / pgbenchTps) * 100).toFixed(1)} % (target >= 35 %)`);
  }

  if (PHASES.has('bulk')) {
    const bulk = await benchBulk();
    console.log(`bulk create of 10,000 (10 requests of 1,000): ${fmt(bulk.ms)} (target < 3000 ms)`);
    const drainedBulk = await drainOutbox();
    console.log(`  then the dispatcher sent the ${drainedBulk.emails} emails still queued in ${fmt(drainedBulk.ms)}`);
  }

  if (PHASES.has('list')) {
    const list = await benchList();
    console.log(`list with ${ROWS.toLocaleString('en')} invitations in one org (generated in ${fmt(list.generateMs)}), 300 sequential requests each:`);
    for (const [name, r] of Object.entries({ 'first page': list.first, 'deep cursor page (90 %)': list.deep, 'first page, status filter': list.firstByStatus, 'deep page, status filter': list.deepByStatus })) {
      console.log(`  ${name}: p50 ${fmt(r.p50)}, p95 ${fmt(r.p95)}, p99 ${fmt(r.p99)} (target p95 < 15 ms)`);
    }
  }
} finally {
  if (server !== undefined) {
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (!args.keep) await query(adminUrl, `drop database if exists ${dbName} with (force)`);
  else console.log(`kept database ${dbName}`);
}

