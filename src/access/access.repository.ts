/**
 * The access list's reads: grants with their users, the live invitations that would add to
 * them, and where their people sit. Read-only; the tables belong to orgs/, invitations/ and people/.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, InvitationRow } from '../db/schema.js';
import { LIVE_STATUSES } from '../common/invitation-states.js';

type Db = Kysely<DB> | Transaction<DB>;

/** For a resource: the org-wide grants and that resource's; otherwise every grant of the org. By name. */
export async function listAccessGrants(db: Db, orgId: string, resourceId: string | null) {
  let query = db
    .selectFrom('grants as g')
    .innerJoin('users as u', 'u.id', 'g.user_id')
    .select(['u.id', 'u.email', 'u.first_name', 'u.last_name', 'u.status', 'g.role', 'g.resource_id'])
    .where('g.org_id', '=', orgId);
  if (resourceId !== null) query = query.where((eb) => eb.or([eb('g.resource_id', 'is', null), eb('g.resource_id', '=', resourceId)]));
  return query.orderBy('u.last_name').orderBy('u.first_name').orderBy('u.id').orderBy('g.resource_id', (ob) => ob.nullsFirst()).execute();
}

/**
 * Live invitations (in a live state and not past their expiry at `now`: the sweep may not have
 * marked them yet) org-wide and, for a resource, that resource's; otherwise all of the org's. Newest first.
 */
export async function listPendingInvitations(db: Db, orgId: string, resourceId: string | null, now: Date): Promise<InvitationRow[]> {
  let query = db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('status', 'in', LIVE_STATUSES).where('expires_at', '>', now);
  if (resourceId !== null) query = query.where((eb) => eb.or([eb('resource_id', 'is', null), eb('resource_id', '=', resourceId)]));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** The resource (null: org-wide) of each of these people of the org. */
export async function peopleScopes(db: Db, orgId: string, personIds: readonly string[]): Promise<Map<string, string | null>> {
  if (personIds.length === 0) return new Map();
  const rows = await db.selectFrom('people').select(['id', 'resource_id']).where('org_id', '=', orgId).where('id', 'in', personIds).execute();
  return new Map(rows.map((row) => [row.id, row.resource_id]));
}
