// People-list latency with 100,000 people in one org, on a PostgreSQL server: GET
// /api/v1/orgs/:orgId/people through the whole app (app.inject: auth, policy, one query,
// presenter), first page and filtered pages. Target: p95 < 20 ms.
// Usage: npm run build && node bench/people-list.js [iterations]
// The server is BENCH_DATABASE_URL or TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// a throwaway database is created on it and dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { buildApp } from '../dist/app.js';
import { loadConfig } from '../dist/config.js';
import { migrateToLatest, openDatabase } from '../dist/db/database.js';
import { randomToken, sha256 } from '../dist/auth/crypto.js';

const iterations = Number(process.argv[2] ?? 200);
const PEOPLE = 100_000;
const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `gatehouse_bench_${randomBytes(4).toString('hex')}`;

async function admin(query) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

await admin(`create database ${name}`);
const url = new URL(server);
url.pathname = `/${name}`;
const database = await openDatabase({ databaseUrl: url.toString(), dataDir: null });
try {
  await migrateToLatest(database.db);
  const db = database.db;
  const now = new Date();
  const org = await db.insertInto('orgs').values({ name: 'Bench Org', updated_at: now }).returning('id').executeTakeFirstOrThrow();
  const other = await db.insertInto('orgs').values({ name: 'Other Org', updated_at: now }).returning('id').executeTakeFirstOrThrow();
  const resources = [];
  for (let i = 0; i < 20; i++) {
    resources.push((await db.insertInto('resources').values({ org_id: org.id, kind: 'location', name: `Location ${i}`, updated_at: now }).returning('id').executeTakeFirstOrThrow()).id);
  }
  const seedStarted = performance.now();
  // 100,000 people in the org (a fifth of them at one of 20 locations), 10,000 in another org.
  await sql`insert into people (org_id, first_name, last_name, email, title, resource_id, updated_at)
    select ${org.id}::uuid, 'First' || g, 'Last' || lpad((g * 7919 % ${PEOPLE})::text, 6, '0'), 'person' || g || '@example.test', 'Title',
      case when g % 5 = 0 then (${sql.val(resources)}::uuid[])[1 + (g / 5) % 20] end, now()
    from generate_series(1, ${PEOPLE}) g`.execute(db);
  await sql`insert into people (org_id, first_name, last_name, email, updated_at)
    select ${other.id}::uuid, 'Other' || g, 'Other' || g, 'other' || g || '@example.test', now() from generate_series(1, 10000) g`.execute(db);
  // Invitations for 60% of the people, 10% of them with an older second one; statuses spread.
  await sql`insert into invitations (org_id, role, email, person_id, inviter_type, inviter_name, status, tracking_id, expires_at, created_at, updated_at)
    select p.org_id, 'member', p.email, p.id, 'user', 'Bench',
      (array['pending','sent','opened','clicked','accepted','expired','declined','revoked','failed'])[1 + (abs(hashtext(p.email)) % 9)],
      md5(p.id::text), now() + interval '30 days', now() - (abs(hashtext(p.email)) % 1000) * interval '1 minute', now()
    from people p where p.org_id = ${org.id} and abs(hashtext(p.email)) % 10 < 6`.execute(db);
  await sql`insert into invitations (org_id, role, email, person_id, inviter_type, inviter_name, status, tracking_id, expires_at, created_at, updated_at)
    select p.org_id, 'member', p.email, p.id, 'user', 'Bench', 'revoked', md5(p.id::text || 'old'), now(), now() - interval '30 days', now()
    from people p where p.org_id = ${org.id} and abs(hashtext(p.email)) % 10 = 0`.execute(db);
  // 1,000 people are linked to active users holding a grant.
  await sql`insert into users (email, first_name, last_name, status, email_verified_at, updated_at)
    select email, first_name, last_name, 'active', now(), now() from people where org_id = ${org.id} and first_name like 'First%' and (substr(first_name, 6))::int % 100 = 0`.execute(db);
  await sql`update people p set user_id = u.id from users u where u.email = p.email and p.org_id = ${org.id}`.execute(db);
  await sql`insert into grants (org_id, user_id, role, updated_at) select ${org.id}, id, 'member', now() from users`.execute(db);
  await sql`analyze`.execute(db);
  console.log(`seeded ${PEOPLE} people (+10,000 in another org) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  // An API key is bounded by its creator (docs/rules.md R25): an owner of the org creates it.
  const creator = await db
    .insertInto('users')
    .values({ email: 'bench-owner@example.test', first_name: 'Bench', last_name: 'Owner', status: 'active', email_verified_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('grants').values({ org_id: org.id, user_id: creator.id, role: 'owner', updated_at: now }).execute();
  const secret = `gh_${randomToken()}`;
  await db
    .insertInto('api_keys')
    .values({ org_id: org.id, name: 'bench', permissions: JSON.stringify(['people:read']), prefix: secret.slice(0, 9), secret_hash: sha256(secret), created_by: creator.id })
    .execute();
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', PUBLIC_URL: 'http://bench.test' }), { db, backend: database.backend });
  await app.ready();
  const headers = { authorization: `Bearer ${secret}` };
  const base = `/api/v1/orgs/${org.id}/people`;

  const firstPage = await app.inject({ url: base, headers });
  const cursor = firstPage.json().nextCursor;
  const cases = [
    ['first page (50, by name)', ''],
    ['second page (cursor)', `?cursor=${cursor}`],
    ['page 1 of limit=200', '?limit=200'],
    ['accessStatus=invited', '?accessStatus=invited'],
    ['accessStatus=registered', '?accessStatus=registered'],
    ['accessStatus=not_invited', '?accessStatus=not_invited'],
    ['resourceId (1 of 20 locations)', `?resourceId=${resources[3]}`],
    ['q=person4242 (email prefix)', '?q=person4242'],
    ['q=last0123 (name prefix)', '?q=last0123'],
    // Sorts (docs/rules.md R91): name and email ride an index; status and last activity are
    // derived per row, so they sort the whole org.
    ['sort=-name', '?sort=-name'],
    ['sort=-name, second page', `?sort=-name&cursor=${(await app.inject({ url: `${base}?sort=-name`, headers })).json().nextCursor}`],
    ['sort=email', '?sort=email'],
    ['sort=-lastActivity', '?sort=-lastActivity'],
    ['sort=status', '?sort=status'],
  ];
  let failed = false;
  for (const [, query] of cases) for (let i = 0; i < 20; i++) await app.inject({ url: base + query, headers }); // warm-up
  // Cases take turns, so a burst of load on the machine hits them all alike.
  const times = cases.map(() => []);
  const counts = cases.map(() => 0);
  for (let i = 0; i < iterations; i++) {
    for (const [index, [label, query]] of cases.entries()) {
      const started = performance.now();
      const res = await app.inject({ url: base + query, headers });
      times[index].push(performance.now() - started);
      if (res.statusCode !== 200) throw new Error(`${label}: ${res.statusCode} ${res.body}`);
      counts[index] = res.json().items.length;
    }
  }
  for (const [index, [label]] of cases.entries()) {
    const sorted = times[index].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length * 0.5)];
    const p95 = sorted[Math.floor(sorted.length * 0.95)];
    if (p95 >= 20) failed = true;
    console.log(`${label.padEnd(34)} p50 ${p50.toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms  (${counts[index]} items, ${iterations} runs)`);
  }
  console.log(failed ? 'Some p95 is at or above the 20 ms target.' : 'Every p95 is under the 20 ms target.');
  await app.close();
} finally {
  await database.close();
  if (process.env.BENCH_KEEP === undefined) await admin(`drop database if exists ${name} with (force)`);
  else console.log(`kept database ${name}`);
}
