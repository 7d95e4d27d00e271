/**
 * Custom roles of an org (the built-in ones are constants in auth/permissions.ts and have no row):
 * plain queries taking `db` or `trx` first. The one place a role is looked up by its key.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, RoleRow } from '../db/schema.js';
import { LIVE_STATUSES } from '../common/invitation-states.js';

type Db = Kysely<DB> | Transaction<DB>;

export type RoleFields = Pick<RoleRow, 'key' | 'name' | 'permissions'>;

/** The org's custom role with this key, or undefined. */
export async function findRole(db: Db, orgId: string, key: string): Promise<RoleFields | undefined> {
  return db.selectFrom('roles').select(['key', 'name', 'permissions']).where('org_id', '=', orgId).where('key', '=', key).executeTakeFirst();
}

/** The org's custom roles, by key; with `keys`, only those among them. */
export async function listRoles(db: Db, orgId: string, keys?: readonly string[]): Promise<RoleFields[]> {
  if (keys?.length === 0) return [];
  let query = db.selectFrom('roles').select(['key', 'name', 'permissions']).where('org_id', '=', orgId);
  if (keys !== undefined) query = query.where('key', 'in', keys);
  return query.orderBy('key').execute();
}

/**
 * Locks the custom role row until the transaction ends: `share` while a grant of it is written
 * (so the role cannot be deleted under it), `update` before deleting it. Whether it exists.
 */
export async function lockRole(trx: Transaction<DB>, orgId: string, key: string, mode: 'share' | 'update'): Promise<boolean> {
  const query = trx.selectFrom('roles').select('key').where('org_id', '=', orgId).where('key', '=', key);
  const row = await (mode === 'share' ? query.forShare() : query.forUpdate()).executeTakeFirst();
  return row !== undefined;
}

/** Inserts the role; undefined when the org already has a role with that key. */
export async function insertRole(
  db: Db,
  orgId: string,
  role: { key: string; name: string; permissions: readonly string[] },
  now: Date,
): Promise<RoleFields | undefined> {
  return db
    .insertInto('roles')
    .values({ org_id: orgId, key: role.key, name: role.name, permissions: JSON.stringify(role.permissions), created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
    .returning(['key', 'name', 'permissions'])
    .executeTakeFirst();
}

export async function updateRole(
  db: Db,
  orgId: string,
  key: string,
  changes: { name?: string; permissions?: readonly string[] },
  now: Date,
): Promise<RoleFields | undefined> {
  return db
    .updateTable('roles')
    .set({
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.permissions === undefined ? {} : { permissions: JSON.stringify(changes.permissions) }),
      updated_at: now,
    })
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .returning(['key', 'name', 'permissions'])
    .executeTakeFirst();
}

/** Whether any grant or live invitation of the org uses the role. */
export async function roleInUse(db: Db, orgId: string, key: string): Promise<boolean> {
  const found = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('grants').select('id').where('org_id', '=', orgId).where('role', '=', key)).as('granted'),
      eb
        .exists(
          eb.selectFrom('invitations').select('id').where('org_id', '=', orgId).where('role', '=', key).where('status', 'in', LIVE_STATUSES),
        )
        .as('invited'),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(found.granted) || Boolean(found.invited);
}

export async function deleteRole(trx: Transaction<DB>, orgId: string, key: string): Promise<void> {
  await trx.deleteFrom('roles').where('org_id', '=', orgId).where('key', '=', key).execute();
}
