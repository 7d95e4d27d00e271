/**
 * The reads behind the `gatehouse` claim (docs/rules.md R50): a user's grants in one org with
 * their role's permissions and the resource's kind and name, and their directory entry there.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function listClaimGrants(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('grants as g')
    .leftJoin('roles as r', (join) => join.onRef('r.org_id', '=', 'g.org_id').onRef('r.key', '=', 'g.role'))
    .leftJoin('resources as res', 'res.id', 'g.resource_id')
    .select(['g.resource_id', 'g.role', 'r.permissions', 'res.kind', 'res.name'])
    .where('g.org_id', '=', orgId)
    .where('g.user_id', '=', userId)
    .orderBy('res.name')
    .orderBy('g.resource_id')
    .execute();
}

export async function findLinkedPerson(db: Db, orgId: string, userId: string) {
  return db
    .selectFrom('people')
    .select(['id', 'title', 'resource_id'])
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Whether the user holds any grant in the org (org-wide or on a resource): who may sign in to its apps. */
export async function hasGrantInOrg(db: Db, orgId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('grants').select('id').where('org_id', '=', orgId).where('user_id', '=', userId).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Whether the user may see the resource: an org-wide grant in its org, or a grant on it. */
export async function hasAccessToResource(db: Db, orgId: string, userId: string, resourceId: string): Promise<boolean> {
  const row = await db
    .selectFrom('grants')
    .select('id')
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where((eb) => eb.or([eb('resource_id', 'is', null), eb('resource_id', '=', resourceId)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
