/**
 * Grants (memberships): (user, org, resource or none, role). One per user, org and resource,
 * enforced by the unique index `grants_one_per_scope`.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, GrantRow } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findGrant(
  db: Db,
  scope: { orgId: string; userId: string; resourceId: string | null },
): Promise<GrantRow | undefined> {
  let query = db
    .selectFrom('grants')
    .selectAll()
    .where('org_id', '=', scope.orgId)
    .where('user_id', '=', scope.userId);
  query = scope.resourceId === null ? query.where('resource_id', 'is', null) : query.where('resource_id', '=', scope.resourceId);
  return query.executeTakeFirst();
}

/**
 * Inserts a grant, or returns the existing one untouched when the user already has a grant at
 * that scope (the caller decides whether that is a conflict). Safe under concurrency: the
 * unique index settles a race.
 */
export async function insertGrantIfAbsent(
  trx: Transaction<DB>,
  grant: { orgId: string; userId: string; resourceId: string | null; role: string },
  now: Date,
): Promise<{ grant: GrantRow; created: boolean }> {
  const inserted = await trx
    .insertInto('grants')
    .values({
      org_id: grant.orgId,
      user_id: grant.userId,
      resource_id: grant.resourceId,
      role: grant.role,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'user_id', 'resource_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) return { grant: inserted, created: true };
  const existing = await findGrant(trx, grant);
  if (existing === undefined) throw new Error('grant vanished during insert');
  return { grant: existing, created: false };
}

/** Locks and returns the ids of the users holding the owner role org-wide. */
export async function lockOwners(trx: Transaction<DB>, orgId: string): Promise<string[]> {
  const rows = await trx
    .selectFrom('grants')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('resource_id', 'is', null)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  return rows.map((row) => row.user_id);
}

/** The grant at the scope, locked until the transaction ends. */
export async function lockGrant(
  trx: Transaction<DB>,
  scope: { orgId: string; userId: string; resourceId: string | null },
): Promise<GrantRow | undefined> {
  let query = trx.selectFrom('grants').selectAll().where('org_id', '=', scope.orgId).where('user_id', '=', scope.userId);
  query = scope.resourceId === null ? query.where('resource_id', 'is', null) : query.where('resource_id', '=', scope.resourceId);
  return query.forUpdate().executeTakeFirst();
}

/** Whether the user holds a grant in the org or is linked to a person of its directory. */
export async function hasStandingInOrg(db: Db, orgId: string, userId: string): Promise<boolean> {
  const found = await db
    .selectNoFrom((eb) => [
      eb.exists(eb.selectFrom('grants').select('id').where('org_id', '=', orgId).where('user_id', '=', userId)).as('granted'),
      eb.exists(eb.selectFrom('people').select('id').where('org_id', '=', orgId).where('user_id', '=', userId)).as('linked'),
    ])
    .executeTakeFirstOrThrow();
  return Boolean(found.granted) || Boolean(found.linked);
}

export async function insertGrant(
  trx: Transaction<DB>,
  grant: { orgId: string; userId: string; resourceId: string | null; role: string },
  now: Date,
): Promise<GrantRow> {
  return trx
    .insertInto('grants')
    .values({ org_id: grant.orgId, user_id: grant.userId, resource_id: grant.resourceId, role: grant.role, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateGrantRole(trx: Transaction<DB>, grantId: string, role: string, now: Date): Promise<GrantRow> {
  return trx.updateTable('grants').set({ role, updated_at: now }).where('id', '=', grantId).returningAll().executeTakeFirstOrThrow();
}

export async function deleteGrant(trx: Transaction<DB>, grantId: string): Promise<void> {
  await trx.deleteFrom('grants').where('id', '=', grantId).execute();
}

/** The grants on one resource (who loses access when it goes). */
export async function listResourceGrants(db: Db, orgId: string, resourceId: string): Promise<Pick<GrantRow, 'user_id' | 'role'>[]> {
  return db.selectFrom('grants').select(['user_id', 'role']).where('org_id', '=', orgId).where('resource_id', '=', resourceId).execute();
}

/** A user's grants in the org with their custom role's permissions (null: built-in) and the user's status. */
export async function listUserGrantsWithRoles(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('grants as g')
    .innerJoin('users as u', 'u.id', 'g.user_id')
    .leftJoin('roles as r', (join) => join.onRef('r.org_id', '=', 'g.org_id').onRef('r.key', '=', 'g.role'))
    .select(['g.resource_id', 'g.role', 'r.permissions', 'u.status'])
    .where('g.org_id', '=', orgId)
    .where('g.user_id', '=', userId)
    .execute();
}

/** Whether the user already holds access at the scope: an org-wide grant, or one on that resource. */
export async function hasAccessAt(db: Db, scope: { orgId: string; userId: string; resourceId: string | null }): Promise<boolean> {
  let query = db.selectFrom('grants').select('id').where('org_id', '=', scope.orgId).where('user_id', '=', scope.userId);
  query =
    scope.resourceId === null
      ? query.where('resource_id', 'is', null)
      : query.where((eb) => eb.or([eb('resource_id', 'is', null), eb('resource_id', '=', scope.resourceId)]));
  return (await query.executeTakeFirst()) !== undefined;
}
