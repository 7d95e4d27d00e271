/**
 * The account flows' reads across tables (a user's grants, an org's owners, `/me`'s
 * memberships) and the lock that serialises the first-admin setup. The users table itself is
 * written through auth/user.repository.ts.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/** Serialises first-admin setups until the transaction ends. */
export async function lockSetup(trx: Transaction<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('gatehouse.setup'))`.execute(trx);
}

export async function listUserGrants(trx: Transaction<DB>, userId: string) {
  return trx.selectFrom('grants').select(['org_id', 'resource_id', 'role']).where('user_id', '=', userId).execute();
}

/** A user's grants with their org, resource and custom role's permissions, by org name then resource. */
export async function listMembershipRows(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('grants as g')
    .innerJoin('orgs as o', 'o.id', 'g.org_id')
    .leftJoin('resources as res', 'res.id', 'g.resource_id')
    .leftJoin('roles as r', (join) => join.onRef('r.org_id', '=', 'g.org_id').onRef('r.key', '=', 'g.role'))
    .select(['o.id as org_id', 'o.name as org_name', 'res.id as resource_id', 'res.kind as resource_kind', 'res.name as resource_name', 'g.role', 'r.permissions'])
    .where('g.user_id', '=', userId)
    .orderBy('o.name')
    .orderBy('o.id')
    .orderBy('res.name', (ob) => ob.nullsFirst())
    .execute();
}
