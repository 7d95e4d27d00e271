// OpenID Connect benchmarks on PostgreSQL (`gatehouse serve` in a child process). Usage:
//   npm run bench:oidc [-- --seconds 10 --codes 1500]
// Needs a PostgreSQL server (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres;
// a scratch database is created and dropped).
//
// 1. Authorization round trip for a person already signed in (Gatehouse session and provider
//    session, first-party app): GET /oidc/auth → 303 to the app's callback with a code, no page.
//    Sequential requests: p50/p99 in ms.
// 2. Code exchange at the token endpoint (client_secret_basic, PKCE, ID token signed RS256 with the
//    gatehouse claim): codes are single use and live 60 s, so `--codes` of them are minted first
//    (as in 1, 16 at a time), then exchanged by 32 concurrent workers: req/s, p50/p99.
// 3. Refresh at the token endpoint (rotation: each of 32 workers chains its own refresh token):
//    req/s, p50/p99 over `--seconds`.
// 4. Userinfo with one access token, 32 connections (autocannon) over `--seconds`: req/s, p50/p99.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, codes: { type: 'string', default: '1500' } } });
const SECONDS = Number(args.seconds);
const CODES = Number(args.codes);
const CONNECTIONS = 32;
const PORT = 3978;
const BASE = `http://127.0.0.1:${PORT}`;
const CALLBACK = 'http://localhost:4000/callback';
const PASSWORD = 'benchmark password';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `gatehouse_bench_${randomBytes(4).toString('hex')}`;
const dbUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
const env = {
  PATH: process.env.PATH,
  DATABASE_URL: dbUrl,
  SECRET_KEY: randomBytes(32).toString('base64url'),
  PUBLIC_URL: BASE,
  PORT: String(PORT),
  LOG_LEVEL: 'warn',
  AUTH_RATE_LIMIT: '0',
};

async function query(url, text, params = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

async function startServer() {
  const child = spawn(process.execPath, [path.resolve('bin/gatehouse.js'), 'serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    if (await fetch(`${BASE}/readyz`).then((r) => r.status === 200, () => false)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('server did not become ready');
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`;
};

/** A cookie jar for one host: the Gatehouse session and the provider's cookies. */
const jar = new Map();
function remember(res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
}
async function request(url, init = {}) {
  const headers = new Headers(init.headers);
  if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  remember(res);
  await res.arrayBuffer();
  return res;
}

const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');
function authorizeUrl(clientId, extra = {}) {
  const params = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid profile email gatehouse',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('base64url'),
    nonce: randomBytes(8).toString('base64url'),
    ...extra,
  });
  return `${BASE}/oidc/auth?${params}`;
}

/** Follows redirects until the callback; the code. */
async function codeFrom(url) {
  let next = url;
  for (let hop = 0; hop < 10; hop++) {
    const res = await request(next);
    const location = res.headers.get('location');
    if (location === null) throw new Error(`no redirect from ${next}: ${res.status}`);
    const target = new URL(location, next);
    if (target.href.startsWith(CALLBACK)) {
      const code = target.searchParams.get('code');
      if (code === null) throw new Error(`no code: ${target.href}`);
      return code;
    }
    next = target.href;
  }
  throw new Error('too many redirects');
}

async function tokenRequest(basic, body) {
  const started = performance.now();
  const res = await fetch(`${BASE}/oidc/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`token endpoint: ${res.status} ${JSON.stringify(json)}`);
  return { ms: performance.now() - started, json };
}

/** `workers` loops at once taking jobs until `more()` says stop; req/s and latencies. */
async function load(workers, more, job) {
  const times = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (more()) times.push(await job(worker));
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return `${(times.length / seconds).toFixed(0)} req/s (${times.length} requests, ${workers} concurrent), ${summary(times)}`;
}

await query(adminUrl, `create database ${dbName}`);
let server;
try {
  server = await startServer();
  console.log(`load average at start: ${loadavg().map((n) => n.toFixed(2)).join(' ')}; backend PostgreSQL; ${CODES} codes, ${SECONDS} s phases`);

  // An org, its owner (the person signing in) with 20 resource grants, and a first-party confidential app.
  const { hashPassword, OWASP_SCRYPT_COST } = await import('../dist/auth/password.js');
  const org = (await query(dbUrl, "insert into orgs (name, trusted, updated_at) values ('Bench Clinics', true, now()) returning id")).rows[0].id;
  const email = `bench-${randomBytes(4).toString('hex')}@bench.test`;
  const user = (
    await query(dbUrl, "insert into users (email, first_name, last_name, status, password_hash, email_verified_at, updated_at) values ($1, 'Bench', 'Person', 'active', $2, now(), now()) returning id", [
      email,
      await hashPassword(PASSWORD, OWASP_SCRYPT_COST),
    ])
  ).rows[0].id;
  await query(dbUrl, "insert into grants (org_id, user_id, role, updated_at) values ($1, $2, 'owner', now())", [org, user]);
  await query(
    dbUrl,
    "with r as (insert into resources (org_id, kind, name, updated_at) select $1, 'location', 'Site ' || g, now() from generate_series(1, 20) g returning id) insert into grants (org_id, user_id, role, resource_id, updated_at) select $1, $2, 'viewer', id, now() from r",
    [org, user],
  );
  const signIn = await request(`${BASE}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
  if (signIn.status !== 200) throw new Error(`sign-in: ${signIn.status}`);
  const created = await fetch(`${BASE}/api/v1/orgs/${org}/apps`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
    body: JSON.stringify({ name: 'Bench App', type: 'confidential', redirectUris: [CALLBACK], firstParty: true }),
  });
  const app = await created.json();
  if (created.status !== 201) throw new Error(`app: ${created.status} ${JSON.stringify(app)}`);
  const basic = Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.clientSecret)}`).toString('base64');
  const exchange = (code) => tokenRequest(basic, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier });

  // The first request goes through the interaction (no provider session yet); the rest do not.
  await exchange(await codeFrom(authorizeUrl(app.clientId)));

  // 1. Authorization round trip, sequential.
  const authTimes = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await codeFrom(authorizeUrl(app.clientId));
    authTimes.push(performance.now() - started);
  }
  console.log(`authorize → code (signed in, no page): ${summary(authTimes)} (300 sequential)`);

  // 2. Code exchange: mint, then exchange with 32 workers.
  const codes = [];
  const mintStarted = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (codes.length < CODES) codes.push(await codeFrom(authorizeUrl(app.clientId)));
    }),
  );
  console.log(`minted ${codes.length} codes in ${((performance.now() - mintStarted) / 1000).toFixed(1)} s`);
  let taken = 0;
  console.log(`code exchange: ${await load(CONNECTIONS, () => taken < codes.length, async () => (await exchange(codes[taken++])).ms)}`);

  // 3. Refresh: one refresh token per worker (offline_access with prompt=consent), chained.
  const refresh = [];
  let accessToken = null;
  for (let i = 0; i < CONNECTIONS; i++) {
    const { json } = await exchange(await codeFrom(authorizeUrl(app.clientId, { scope: 'openid profile email gatehouse offline_access', prompt: 'consent' })));
    refresh.push(json.refresh_token);
    accessToken ??= json.access_token;
  }
  const refreshUntil = performance.now() + SECONDS * 1000;
  const refreshed = await load(
    CONNECTIONS,
    () => performance.now() < refreshUntil,
    async (worker) => {
      const { ms, json } = await tokenRequest(basic, { grant_type: 'refresh_token', refresh_token: refresh[worker] });
      refresh[worker] = json.refresh_token;
      return ms;
    },
  );
  console.log(`refresh: ${refreshed}`);

  // 4. Userinfo.
  const result = await autocannon({ url: `${BASE}/oidc/me`, connections: CONNECTIONS, duration: SECONDS, headers: { authorization: `Bearer ${accessToken}` } });
  if (result.non2xx > 0) throw new Error(`userinfo: ${result.non2xx} non-2xx answers`);
  console.log(`userinfo: ${result.requests.average.toFixed(0)} req/s (${result.requests.total} requests, ${CONNECTIONS} connections), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
  console.log(`load average at end: ${loadavg().map((n) => n.toFixed(2)).join(' ')}`);
} finally {
  server?.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1000));
  await query(adminUrl, `drop database if exists ${dbName} with (force)`);
}
