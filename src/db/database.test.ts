import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createServerDatabase, openTestDatabase, testBackend, type TestDatabase } from '../test/database.js';
import { isReady, migrateToLatest, openDatabase } from './database.js';
import { prepared } from './prepared.js';
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

describe('prepared statements', () => {
  it('run statements marked by prepared() as named prepared statements on a server, the others unnamed', async () => {
    const database = await fresh();
    await migrateToLatest(database.db);
    const org = await database.db.insertInto('orgs').values({ name: 'Acme', updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    const find = (id: string) => prepared(database.db.selectFrom('orgs').select(['id', 'name']).where('id', '=', id));
    const seen = await database.db.transaction().execute(async (trx) => {
      // One connection for the whole transaction: what it has prepared is visible to it.
      const first = await trx.executeQuery(find(org.id));
      const second = await trx.executeQuery(find(org.id));
      await trx.selectFrom('orgs').select('name').where('id', '=', org.id).execute();
      const statements =
        database.backend === 'postgres'
          ? (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(trx)).rows.map((row) => row.statement)
          : [];
      return { rows: [...first.rows, ...second.rows], statements };
    });
    expect(seen.rows).toEqual([
      { id: org.id, name: 'Acme' },
      { id: org.id, name: 'Acme' },
    ]);
    if (database.backend === 'postgres') {
      expect(seen.statements).toHaveLength(1);
      expect(seen.statements[0]).toMatch(/^\/\* prepared \*\/ select "id", "name" from "orgs"/);
    }
  });

  it('keep working when a migration adds a column while the server runs (they name their columns)', async () => {
    const database = await fresh();
    await migrateToLatest(database.db);
    const org = await database.db.insertInto('orgs').values({ name: 'Acme', updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    const find = () => prepared(database.db.selectFrom('orgs').select(['id', 'name']).where('id', '=', org.id));
    await database.db.transaction().execute(async (trx) => {
      await trx.executeQuery(find());
      await sql`alter table orgs add column nickname text`.execute(trx);
      expect((await trx.executeQuery(find())).rows).toEqual([{ id: org.id, name: 'Acme' }]);
    });
  });

  it('refuse a marked statement that selects `*` on a server (a migration would break it)', async () => {
    const database = await fresh();
    await migrateToLatest(database.db);
    const all = database.db.executeQuery(prepared(database.db.selectFrom('orgs').selectAll().where('name', '=', 'none')));
    if (database.backend === 'postgres') await expect(all).rejects.toThrow(/must name its columns/);
    else expect((await all).rows).toEqual([]);
  });
});
