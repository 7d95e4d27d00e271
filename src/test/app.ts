/**
 * testApp(): the whole Gatehouse app on a fresh test database, with a manual clock, driven
 * through `app.inject`. Tests assert status codes and error codes against it.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { KyselyPlugin } from 'kysely';
import { buildApp } from '../app.js';
import { ManualClock } from '../clock.js';
import { type Config, loadConfig } from '../config.js';
import type { GatehouseContext } from '../app.js';
import { openTestDatabase, type TestDatabase } from './database.js';

export const TEST_PUBLIC_URL = 'http://gatehouse.test';

/** scrypt N for tests: the production figure (2^17) costs ~0.3 s a hash; the code path is the same. */
/** SECRET_KEY of test apps (the OpenID provider's keys are encrypted under it). */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';

export const TEST_SCRYPT_COST = 2 ** 10;

export interface TestApp {
  readonly app: FastifyInstance;
  readonly ctx: GatehouseContext;
  readonly clock: ManualClock;
  readonly database: TestDatabase;
  readonly config: Config;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * `plugins`: Kysely plugins on the app's database handle (a test that watches the queries a request makes);
 * `database`: a shared database (a restart in a test) that stays open when this app closes.
 */
export async function testApp(
  env: Record<string, string> = {},
  options: { plugins?: readonly KyselyPlugin[]; database?: TestDatabase } = {},
): Promise<TestApp> {
  const config = loadConfig({
    PUBLIC_URL: TEST_PUBLIC_URL,
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT: '0',
    DATA_DIR: '/nonexistent-test-data-dir',
    SECRET_KEY: TEST_SECRET_KEY,
    ...env,
  });
  // A shared database (a restart in a test) stays open when this app closes.
  const database = options.database ?? (await openTestDatabase());
  const clock = new ManualClock();
  const app = await buildApp(config, {
    db: (options.plugins ?? []).reduce((db, plugin) => db.withPlugin(plugin), database.db),
    backend: database.backend,
    clock,
    scryptCost: TEST_SCRYPT_COST,
  });
  await app.ready();
  return {
    app,
    ctx: app.ctx,
    clock,
    database,
    config,
    inject: (options) => app.inject(consoleLike(options)),
    async close() {
      await app.close();
      if (options.database === undefined) await database.close();
    },
  };
}

/**
 * A second app over `t`'s database and clock whose log lines are collected in `lines`: a test that
 * checks what reaches the log (a token must never). Close it, not `t`, at the end.
 */
export async function loggingApp(t: TestApp, level: 'info' | 'trace'): Promise<{ app: FastifyInstance; lines: string[] }> {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const app = await buildApp(loadConfig({ PUBLIC_URL: t.config.publicUrl, LOG_LEVEL: level, AUTH_RATE_LIMIT: '0', SECRET_KEY: TEST_SECRET_KEY }), {
    db: t.ctx.db,
    backend: t.ctx.backend,
    clock: t.clock,
    scryptCost: t.ctx.scryptCost,
    logStream,
  });
  return { app, lines };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What the console sends: a cookie-authenticated unsafe request always declares
 * `Content-Type: application/json`, a body-less one with `{}` as its body (the API refuses it
 * otherwise, as a cross-site request could have made it). Tests of that rule itself use
 * `t.app.inject`, which sends exactly what it is given.
 */
function consoleLike(options: InjectOptions): InjectOptions {
  const headers = options.headers ?? {};
  const has = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  const method = String(options.method ?? 'GET').toUpperCase();
  if (!UNSAFE.has(method) || !has('cookie') || has('authorization') || has('content-type') || options.payload !== undefined) return options;
  return { ...options, headers: { ...headers, 'content-type': 'application/json' }, payload: '{}' };
}

/** The `error.code` of an error answer (undefined for a success). */
export function errorCode(res: LightMyRequestResponse): string | undefined {
  return res.json<{ error?: { code: string } }>().error?.code;
}
