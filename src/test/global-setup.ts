/**
 * Vitest global setup: migrate once per run, and let each test file start from a copy.
 * - PGlite: an empty and a migrated database are dumped to tarballs; a test file's
 *   openTestDatabase() loads one (`loadDataDir`), skipping initdb and the migrations.
 * - PostgreSQL: a template database is migrated once; a test file's database is
 *   `CREATE DATABASE … TEMPLATE` it. The template's name is unique to this run (several runs may
 *   share the server), it has no connection left open (a template must have none while copied),
 *   and it is dropped at teardown.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrateToLatest, openDatabase } from '../db/database.js';
import type { DB } from '../db/schema.js';
import { dropServerDatabase, serverUrl, testBackend, withDatabaseName, type TestTemplate } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where openTestDatabase() copies its databases from; absent outside this setup. */
    gatehouseTestTemplate: TestTemplate;
  }
}

let cleanup: () => Promise<void> = () => Promise.resolve();

export async function setup(project: TestProject): Promise<void> {
  if (testBackend() === 'postgres') {
    const admin = serverUrl();
    const name = `gatehouse_tpl_${String(process.pid)}_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`create database ${name}`);
    } finally {
      await client.end();
    }
    cleanup = () => dropServerDatabase(name);
    const database = await openDatabase({ databaseUrl: withDatabaseName(admin, name), dataDir: null, poolSize: 1 });
    try {
      await migrateToLatest(database.db);
    } finally {
      await database.close();
    }
    project.provide('gatehouseTestTemplate', { backend: 'postgres', database: name });
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-test-'));
  cleanup = () => rm(dir, { recursive: true, force: true });
  const empty = path.join(dir, 'empty.tar');
  const migrated = path.join(dir, 'migrated.tar');
  const pglite = await PGlite.create();
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  try {
    await writeFile(empty, await tarball(pglite));
    await migrateToLatest(db);
    await writeFile(migrated, await tarball(pglite));
  } finally {
    await db.destroy();
  }
  project.provide('gatehouseTestTemplate', { backend: 'pglite', empty, migrated });
}

/** The data directory as an uncompressed tarball: each test file loads it, and need not inflate it first. */
async function tarball(pglite: PGlite): Promise<Uint8Array> {
  return new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
}

export async function teardown(): Promise<void> {
  await cleanup();
}
