/**
 * A fresh database for each test file, on the backend the run selected:
 * GATEHOUSE_TEST_BACKEND=pglite (default, in memory) or =postgres (a new database on the
 * server named by TEST_DATABASE_URL, dropped afterwards).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Backend, type Database } from '../db/database.js';

export function testBackend(): Backend {
  return process.env.GATEHOUSE_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
}

export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === '') throw new Error('TEST_DATABASE_URL must be set for the postgres backend');
  return url;
}

function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Creates an empty database on the server and returns its URL and a function that drops it. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = serverUrl();
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  return {
    url: withDatabaseName(admin, name),
    async drop() {
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      try {
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export interface TestDatabase extends Database {
  /** The server URL of this database (postgres backend only). */
  readonly url: string | null;
}

/** A migrated, empty database. `close()` also drops it on the server. */
export async function openTestDatabase(options: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDatabase> {
  let database: Database;
  let url: string | null = null;
  let drop: () => Promise<void> = () => Promise.resolve();
  if (testBackend() === 'postgres') {
    const created = await createServerDatabase();
    url = created.url;
    drop = () => created.drop();
    database = await openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: options.poolSize ?? 25 });
  } else {
    database = await openDatabase({ databaseUrl: null, dataDir: null });
  }
  if (options.migrate !== false) await migrateToLatest(database.db);
  return {
    db: database.db,
    backend: database.backend,
    url,
    async close() {
      await database.close();
      await drop();
    },
  };
}
