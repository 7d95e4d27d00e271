/**
 * The Kysely database: embedded PGlite under DATA_DIR by default, a PostgreSQL server when
 * DATABASE_URL is set. One schema and one SQL dialect either way.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import { type MigrationResultSet, Migrator } from 'kysely/migration';
import pg from 'pg';
import { migrations } from './migrations/index.js';
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
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl !== null) {
    // JIT off: Gatehouse runs short OLTP queries, and a list query whose plan cost passes
    // jit_above_cost (a filtered page of a 100,000-person directory does) spent ~80 ms compiling
    // for ~10 ms of work (bench/people-list.js).
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, options: '-c jit=off' });
    // An idle client's error (a server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, backend: 'postgres', close: () => db.destroy() };
  }
  let dataPath: string | undefined;
  if (options.dataDir !== null) {
    dataPath = path.join(options.dataDir, 'pgdata');
    await mkdir(dataPath, { recursive: true });
  }
  const pglite = await PGlite.create(dataPath);
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  return { db, backend: 'pglite', close: () => db.destroy() };
}

export function migrator(db: Kysely<DB>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
}

/**
 * Applies every pending migration. Safe to run from several instances at once: Kysely's
 * Migrator serialises them on a PostgreSQL advisory lock held in its transaction.
 */
export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationResultSet> {
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

export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}
