// Sign-in throughput at the production scrypt cost (N=2^17, r=8, p=1): POST /api/v1/auth/sign-in
// through the whole app (app.inject, no network), on embedded PGlite. Slow on purpose: each
// sign-in derives one 128 MiB scrypt key on libuv's thread pool (UV_THREADPOOL_SIZE, default 4).
// Usage: npm run build && node bench/sign-in.js [requests] [concurrency]
import { availableParallelism } from 'node:os';
import { buildApp } from '../dist/app.js';
import { OWASP_SCRYPT_COST } from '../dist/auth/password.js';
import { hashPassword } from '../dist/auth/password.js';
import { loadConfig } from '../dist/config.js';
import { migrateToLatest, openDatabase } from '../dist/db/database.js';

const requests = Number(process.argv[2] ?? 40);
const concurrency = Number(process.argv[3] ?? 4);
const password = 'benchmark password';

const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL ?? null, dataDir: null });
await migrateToLatest(database.db);
const config = loadConfig({ LOG_LEVEL: 'silent', AUTH_RATE_LIMIT: '0', PUBLIC_URL: 'http://bench.test' });
const app = await buildApp(config, { db: database.db, backend: database.backend, scryptCost: OWASP_SCRYPT_COST });
await app.ready();

const email = `bench.${Date.now()}@example.test`;
await database.db
  .insertInto('users')
  .values({ email, status: 'active', password_hash: await hashPassword(password, OWASP_SCRYPT_COST), email_verified_at: new Date(), updated_at: new Date() })
  .execute();

async function signIn(body) {
  const started = performance.now();
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: body });
  return { ms: performance.now() - started, status: res.statusCode };
}

async function run(label, body, expected) {
  await signIn(body); // warm-up
  const times = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next += 1;
        const { ms, status } = await signIn(body);
        if (status !== expected) throw new Error(`expected ${expected}, got ${status}`);
        times.push(ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))].toFixed(0);
  console.log(
    `${label}: ${(times.length / seconds).toFixed(1)} sign-ins/s (${times.length} requests, concurrency ${concurrency}), latency p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms`,
  );
}

console.log(`scrypt N=${OWASP_SCRYPT_COST}, ${availableParallelism()} CPUs, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, backend ${database.backend}`);
await run('valid password', { email, password }, 200);
await run('wrong password', { email, password: 'not the password' }, 401);
await run('unknown email (dummy hash)', { email: 'nobody@example.test', password }, 401);
await app.close();
await database.close();
