/**
 * A fresh database for each test file, on the backend the run selected:
 * GATEHOUSE_TEST_BACKEND=pglite (default, in memory) or =postgres (a new database on the
 * server named by TEST_DATABASE_URL, dropped afterwards).
 *
 * The run migrates once (global-setup.ts); a migrated test database is a copy of that one: a
 * PGlite database loaded from its tarball, or a server database created from its template.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { migrateToLatest, openDatabase, type Backend, type Database } from '../db/database.js';

/** Where copies come from: PGlite tarballs (empty and migrated) or a migrated server template. */
export type TestTemplate = { backend: 'pglite'; empty: string; migrated: string } | { backend: 'postgres'; database: string };

export function testBackend(): Backend {
  return process.env.GATEHOUSE_TEST_BACKEND === 'postgres' ? 'postgres' : 'pglite';
}

export function serverUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (url === undefined || url === '') throw new Error('TEST_DATABASE_URL must be set for the postgres backend');
  return url;
}

export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Drops a database on the server, closing whatever connections it still has. */
export async function dropServerDatabase(name: string): Promise<void> {
  await adminQuery(`drop database if exists ${name} with (force)`);
}

/**
 * Creates a database on the server (empty, or a copy of `template`) and returns its URL and a
 * function that drops it.
 */
export async function createServerDatabase(template?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(template === undefined ? `create database ${name}` : `create database ${name} template ${template}`);
  return { url: withDatabaseName(serverUrl(), name), drop: () => dropServerDatabase(name) };
}

/** The run's template (global-setup.ts), or undefined when the run has none. */
function runTemplate(): TestTemplate | undefined {
  const template = inject('gatehouseTestTemplate') as TestTemplate | undefined;
  return template?.backend === testBackend() ? template : undefined;
}

/** Each tarball is read once per worker. */
const tarballs = new Map<string, Promise<Blob>>();
function tarball(file: string): Promise<Blob> {
  let blob = tarballs.get(file);
  if (blob === undefined) {
    blob = readFile(file).then((bytes) => new Blob([bytes]));
    tarballs.set(file, blob);
  }
  return blob;
}

export interface TestDatabase extends Database {
  /** The server URL of this database (postgres backend only). */
  readonly url: string | null;
}

/**
 * A migrated, empty database (`migrate: false`: one without even the migration table, for the
 * tests of the migrations themselves). `close()` also drops it on the server.
 */
export async function openTestDatabase(options: { migrate?: boolean; poolSize?: number } = {}): Promise<TestDatabase> {
  const migrate = options.migrate !== false;
  const template = runTemplate();
  let database: Database;
  let url: string | null = null;
  let drop: () => Promise<void> = () => Promise.resolve();
  let migrated = false;
  if (testBackend() === 'postgres') {
    const copyOf = migrate && template?.backend === 'postgres' ? template.database : undefined;
    const created = await createServerDatabase(copyOf);
    migrated = copyOf !== undefined;
    url = created.url;
    drop = () => created.drop();
    database = await openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: options.poolSize ?? 25 });
  } else if (template?.backend === 'pglite') {
    const snapshot = await tarball(migrate ? template.migrated : template.empty);
    migrated = migrate;
    database = await openDatabase({ databaseUrl: null, dataDir: null, pgliteSnapshot: snapshot });
  } else {
    database = await openDatabase({ databaseUrl: null, dataDir: null });
  }
  if (migrate && !migrated) await migrateToLatest(database.db);
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
