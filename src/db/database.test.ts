import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createServerDatabase, openTestDatabase, testBackend, type TestDatabase } from '../test/database.js';
import { type Migration, Migrator } from 'kysely/migration';
import { isReady, migrateToLatest, migrator, openDatabase, renameAppliedMigrations } from './database.js';
import { prepared } from './prepared.js';
import { migrations, RENAMED_MIGRATIONS } from './migrations/index.js';

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

describe('renamed migrations', () => {
  /** The migrations under the names they had before the renames. */
  const oldNamed: Record<string, Migration> = {};
  const oldNameOf = new Map(Object.entries(RENAMED_MIGRATIONS).map(([from, to]) => [to, from]));
  for (const [name, migration] of Object.entries(migrations)) oldNamed[oldNameOf.get(name) ?? name] = migration;

  async function applyOldNamed(db: TestDatabase['db'], upTo?: string): Promise<void> {
    const old = new Migrator({ db, provider: { getMigrations: () => Promise.resolve(oldNamed) } });
    const result = upTo === undefined ? await old.migrateToLatest() : await old.migrateTo(upTo);
    expect(result.error).toBeUndefined();
  }

  async function appliedNames(db: TestDatabase['db']): Promise<string[]> {
    const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    return rows.rows.map((row) => row.name);
  }

  it('carry distinct four-digit sequence numbers that sort in the order they run', () => {
    const names = Object.keys(migrations);
    const numbers = names.map((name) => /^(\d{4})_[a-z0-9_]+$/.exec(name)?.[1]);
    expect(numbers.every((n) => n !== undefined)).toBe(true);
    expect(new Set(numbers).size).toBe(names.length);
    expect([...names].sort()).toEqual(names);
    for (const [from, to] of Object.entries(RENAMED_MIGRATIONS)) {
      expect(names).toContain(to);
      expect(names).not.toContain(from);
    }
  });

  it('a database migrated under the old names migrates cleanly under the new ones and applies nothing twice', async () => {
    const { db } = await fresh();
    await applyOldNamed(db);
    expect(await appliedNames(db)).toEqual(Object.keys(oldNamed).sort());
    expect(await isReady(db)).toBe(false);

    const result = await migrateToLatest(db);
    expect(result.results).toEqual([]);
    expect(await appliedNames(db)).toEqual(Object.keys(migrations));
    expect(await isReady(db)).toBe(true);
    // Idempotent: nothing left to rename, nothing to apply.
    expect(await renameAppliedMigrations(db)).toBe(0);
    expect((await migrateToLatest(db)).results).toEqual([]);
  });

  it('a database part-migrated under the old names gets only the missing migrations, under the new names', async () => {
    const { db } = await fresh();
    await applyOldNamed(db, '0002_invitations_lifecycle');
    expect(await appliedNames(db)).toEqual(['0001_initial', '0002_accounts_indexes', '0002_invitations_lifecycle']);

    const result = await migrateToLatest(db);
    // Everything after the three applied ones, from 0004_mail_delivery_log on, runs once.
    const missing = Object.keys(migrations).slice(3);
    expect(missing[0]).toBe('0004_mail_delivery_log');
    expect(result.results?.map((r) => [r.migrationName, r.status])).toEqual(missing.map((name) => [name, 'Success']));
    expect(await appliedNames(db)).toEqual(Object.keys(migrations));
    expect(await isReady(db)).toBe(true);
  });

  it('are renamed all or nothing: a rename that cannot be made leaves every record as it was', async () => {
    const { db } = await fresh();
    await applyOldNamed(db);
    // A record already under the last rename's new name: that rename breaks the primary key.
    await sql`insert into kysely_migration (name, timestamp) values ('0005_mailbox_headers', ${new Date().toISOString()})`.execute(db);
    const before = await appliedNames(db);
    await expect(renameAppliedMigrations(db)).rejects.toThrow();
    expect(await appliedNames(db)).toEqual(before);
    expect(before).toContain('0002_invitations_lifecycle');
  });

  it('leave a database without a migration table alone', async () => {
    const { db } = await fresh();
    expect(await renameAppliedMigrations(db)).toBe(0);
    const table = await sql<{ found: string | null }>`select to_regclass('kysely_migration')::text as found`.execute(db);
    expect(table.rows[0]?.found).toBeNull();
  });

  it('the old names alone are refused by the migrator (what the rename step exists for)', async () => {
    const { db } = await fresh();
    await applyOldNamed(db);
    const result = await migrator(db).migrateToLatest();
    expect(String(result.error)).toMatch(/corrupted migrations/);
    expect(await appliedNames(db)).toEqual(Object.keys(oldNamed).sort());
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
