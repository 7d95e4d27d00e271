import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createServerDatabase, openTestDatabase, testBackend, type TestDatabase } from '../test/database.js';
import { isReady, migrateToLatest, openDatabase } from './database.js';
import { migrations } from './migrations/index.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});

async function fresh(): Promise<TestDatabase> {
  const database = await openTestDatabase({ migrate: false });
  opened.push(database);
  return database;
}

describe('migrations', () => {
  it('are not ready before migrating and ready after', async () => {
    const { db } = await fresh();
    expect(await isReady(db)).toBe(false);
    await migrateToLatest(db);
    expect(await isReady(db)).toBe(true);
    const again = await migrateToLatest(db);
    expect(again.results).toEqual([]);
  });

  it('run concurrently from two instances without failing or applying twice', async () => {
    if (testBackend() === 'postgres') {
      // Two separate pools: two "instances" starting at once against one server.
      const server = await createServerDatabase();
      opened.push({ close: () => server.drop() });
      const a = await openDatabase({ databaseUrl: server.url, dataDir: null });
      const b = await openDatabase({ databaseUrl: server.url, dataDir: null });
      try {
        const [ra, rb] = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
        const applied = [...(ra.results ?? []), ...(rb.results ?? [])].filter((r) => r.status === 'Success');
        expect(applied.map((r) => r.migrationName).sort()).toEqual(Object.keys(migrations).sort());
        expect(await isReady(a.db)).toBe(true);
        const rows = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(b.db);
        expect(rows.rows[0]?.n).toBe(Object.keys(migrations).length);
      } finally {
        await a.close();
        await b.close();
      }
    } else {
      const { db } = await fresh();
      const results = await Promise.all([migrateToLatest(db), migrateToLatest(db)]);
      const applied = results.flatMap((r) => r.results ?? []).filter((r) => r.status === 'Success');
      expect(applied).toHaveLength(Object.keys(migrations).length);
      expect(await isReady(db)).toBe(true);
    }
  });
});
