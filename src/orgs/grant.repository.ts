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

/** Does the user already hold access at this scope (an org-wide grant covers every resource)? */
export async function hasAccessAt(db: Db, scope: { orgId: string; userId: string; resourceId: string | null }): Promise<boolean> {
  let query = db.selectFrom('grants').select('id').where('org_id', '=', scope.orgId).where('user_id', '=', scope.userId);
  query =
    scope.resourceId === null
      ? query.where('resource_id', 'is', null)
      : query.where((eb) => eb.or([eb('resource_id', 'is', null), eb('resource_id', '=', scope.resourceId)]));
  return (await query.executeTakeFirst()) !== undefined;
}

export function presentGrant(row: GrantRow) {
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    resourceId: row.resource_id,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
