/**
 * The Kysely database: embedded PGlite under DATA_DIR by default, a PostgreSQL server when
 * DATABASE_URL is set. One schema and one SQL dialect either way.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  Kysely,
  PGliteDialect,
  type PostgresCursor,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type PostgresQueryResult,
  sql,
} from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrations, RENAMED_MIGRATIONS } from './migrations/index.js';
import { PREPARED_MARK } from './prepared.js';
import type { DB } from './schema.js';

export type Backend = 'pglite' | 'postgres';

export interface Database {
  readonly db: Kysely<DB>;
  readonly backend: Backend;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… for a server; null for embedded PGlite. */
  databaseUrl: string | null;
  /** Directory for embedded data; null keeps PGlite in memory (tests). */
  dataDir: string | null;
  /** Pool size for the server backend. */
  poolSize?: number;
  /** Embedded only: start from this `dumpDataDir()` tarball instead of an empty database (tests). */
  pgliteSnapshot?: Blob;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== null) {
    // JIT off: Gatehouse runs short OLTP queries, and a list query whose plan cost passes
    // jit_above_cost (a filtered page of a 100,000-person directory does) spent ~80 ms compiling
    // for ~10 ms of work (bench/people-list.js).
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, options: '-c jit=off' });
    // An idle client's error (a server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    return { db, backend: 'postgres', close: () => db.destroy() };
  }
  let dataPath: string | undefined;
  if (options.dataDir !== null) {
    dataPath = path.join(options.dataDir, 'pgdata');
    await mkdir(dataPath, { recursive: true });
  }
  const pglite =
    options.pgliteSnapshot === undefined
      ? await PGlite.create(dataPath)
      : await PGlite.create({ loadDataDir: options.pgliteSnapshot, ...(dataPath === undefined ? {} : { dataDir: dataPath }) });
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  return { db, backend: 'pglite', close: () => db.destroy() };
}

/** `select *`, `returning *`, `"t".*`: what a prepared statement must not select (see prepared.ts). */
const SELECTS_STAR = /\b(select|returning)\s+\*|\.\*/i;

/** At most this many statement texts are prepared (a guard; the marked statements have a few shapes each). */
const PREPARED_MAX = 64;

/**
 * The pool Kysely uses: pg's, with statements marked by `prepared()` (prepared.ts) run as named
 * prepared statements. pg parses a named statement once per connection and then only binds
 * and executes it.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    if (!text.startsWith(PREPARED_MARK)) return undefined;
    let name = names.get(text);
    if (name === undefined && names.size < PREPARED_MAX) {
      if (SELECTS_STAR.test(text)) throw new Error(`a prepared statement must name its columns: ${text.slice(0, 200)}`);
      name = `gatehouse_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
    }
    return name;
  };
  // One wrapper per pg client, so Kysely keeps its connection per client.
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    function query<R>(text: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query<R>(text: string | PostgresCursor<R>, parameters: readonly unknown[] = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
      // Kysely passes a cursor only for streaming, which Gatehouse does not configure.
      if (typeof text !== 'string') throw new Error('query streaming is not configured');
      const name = nameOf(text);
      const values = [...parameters];
      return (name === undefined ? client.query(text, values) : client.query({ name, text, values })).then((result) => ({
        command: result.command as PostgresQueryResult<R>['command'],
        rowCount: result.rowCount ?? 0,
        rows: result.rows as R[],
      }));
    }
    return {
      query,
      release: (destroy?: boolean) => {
        client.release(destroy);
      },
    };
  };
  return {
    options: pool.options,
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (wrapped === undefined) {
        wrapped = wrap(client);
        clients.set(client, wrapped);
      }
      return wrapped;
    },
  };
}

export function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
}

/**
 * Renames the records of migrations applied under an old name (RENAMED_MIGRATIONS) to their
 * current names, so the Migrator sees them as applied and in order. Idempotent, and all or
 * nothing in one transaction; a database without a migration table yet is left alone.
 * Returns how many records it renamed.
 */
export async function renameAppliedMigrations(db: Kysely<DB>): Promise<number> {
  const renames = Object.entries(RENAMED_MIGRATIONS);
  if (renames.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const table = await sql<{ found: string | null }>`select to_regclass('kysely_migration')::text as found`.execute(trx);
    if (table.rows[0]?.found == null) return 0;
    let renamed = 0;
    for (const [from, to] of renames) {
      const result = await sql`update kysely_migration set name = ${to} where name = ${from}`.execute(trx);
      renamed += Number(result.numAffectedRows ?? 0);
    }
    return renamed;
  });
}

/**
 * Applies every pending migration, after renaming the records of renamed ones. Safe to run from
 * several instances at once: Kysely's Migrator serialises them on a PostgreSQL advisory lock
 * held in its transaction, and a concurrent rename finds the row already renamed.
 */
export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationResultSet> {
  await renameAppliedMigrations(db);
  const result = await migrator(db).migrateToLatest();
  if (result.error !== undefined) throw result.error instanceof Error ? result.error : new Error('migration failed', { cause: result.error });
  return result;
}

/** True when the database answers and every known migration has been applied. */
export async function isReady(db: Kysely<DB>): Promise<boolean> {
  try {
    const applied = await migrator(db).getMigrations();
    return applied.every((m) => m.executedAt !== undefined);
  } catch {
    return false;
  }
}

