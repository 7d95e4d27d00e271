/**
 * The reads behind the policy: an actor's grants in an org with their roles' permissions, a
 * custom role's permissions, whether a resource is the org's own.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface GrantWithPermissions {
  resource_id: string | null;
  role: string;
  /** The custom role's permissions; null for a built-in role. */
  permissions: string[] | null;
}

/** The permissions of a custom role of the org; null when the org has no such custom role. */
export async function findCustomRolePermissions(db: Db, orgId: string, roleKey: string): Promise<string[] | null> {
  const custom = await db.selectFrom('roles').select('permissions').where('org_id', '=', orgId).where('key', '=', roleKey).executeTakeFirst();
  return custom?.permissions ?? null;
}

/** A user's grants in one org, each with its role's permissions. */
export async function listUserOrgGrants(db: Db, userId: string, orgId: string): Promise<GrantWithPermissions[]> {
  return db
    .selectFrom('grants as g')
    .leftJoin('roles as r', (join) => join.onRef('r.org_id', '=', 'g.org_id').onRef('r.key', '=', 'g.role'))
    .select(['g.resource_id', 'g.role', 'r.permissions'])
    .where('g.org_id', '=', orgId)
    .where('g.user_id', '=', userId)
    .execute();
}

/** The org-wide grant of an API key's creator in the key's org, when the creator is an active account. */
export async function listApiKeyCreatorGrants(db: Db, keyId: string): Promise<GrantWithPermissions[]> {
  return db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.created_by')
    .innerJoin('grants as g', (join) => join.onRef('g.user_id', '=', 'k.created_by').onRef('g.org_id', '=', 'k.org_id'))
    .leftJoin('roles as r', (join) => join.onRef('r.org_id', '=', 'g.org_id').onRef('r.key', '=', 'g.role'))
    .select(['g.resource_id', 'g.role', 'r.permissions'])
    .where('k.id', '=', keyId)
    .where('u.status', '=', 'active')
    .where('g.resource_id', 'is', null)
    .execute();
}

export async function resourceBelongsToOrg(db: Db, orgId: string, resourceId: string): Promise<boolean> {
  return (await db.selectFrom('resources').select('id').where('org_id', '=', orgId).where('id', '=', resourceId).executeTakeFirst()) !== undefined;
}
