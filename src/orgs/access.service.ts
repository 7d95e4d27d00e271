/**
 * The access list (docs/rules.md, Domain: Grant). For a resource: every org-wide grant (`inherited:
 * true`) plus that resource's grants, and the live invitations that would add to it (org-wide
 * ones and that resource's). For the org as a whole: every grant in the org and every live
 * invitation.
 */
import type { Actor } from '../auth/actor.js';
import { holds } from '../auth/permissions.js';
import { orgGrants, standingIn } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import type { InvitationRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { presentInvitation } from '../invitations/invitation.presenter.js';
import { LIVE_STATUSES } from '../shared/invitation-states.js';
import { findResource } from './org.repository.js';
import { presentMemberUser } from './org.presenter.js';

export interface AccessEntry {
  user: ReturnType<typeof presentMemberUser>;
  role: string;
  resourceId: string | null;
  inherited: boolean;
}

export async function listAccess(
  ctx: AppContext,
  orgId: string,
  resourceId: string | null,
): Promise<{ items: AccessEntry[]; pending: InvitationRow[] }> {
  if (resourceId !== null && (await findResource(ctx.db, orgId, resourceId)) === undefined) throw new AppError('RESOURCE_NOT_FOUND');
  let grants = ctx.db
    .selectFrom('grants as g')
    .innerJoin('users as u', 'u.id', 'g.user_id')
    .select(['u.id', 'u.email', 'u.first_name', 'u.last_name', 'u.status', 'g.role', 'g.resource_id'])
    .where('g.org_id', '=', orgId);
  // Live: in a live state and not past its expiry (the sweep may not have marked it yet).
  let invitations = ctx.db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('status', 'in', LIVE_STATUSES)
    .where('expires_at', '>', ctx.clock.now());
  if (resourceId !== null) {
    grants = grants.where((eb) => eb.or([eb('g.resource_id', 'is', null), eb('g.resource_id', '=', resourceId)]));
    invitations = invitations.where((eb) => eb.or([eb('resource_id', 'is', null), eb('resource_id', '=', resourceId)]));
  }
  const [rows, pending] = await Promise.all([
    grants.orderBy('u.last_name').orderBy('u.first_name').orderBy('u.id').orderBy('g.resource_id', (ob) => ob.nullsFirst()).execute(),
    invitations.orderBy('created_at', 'desc').orderBy('id', 'desc').execute(),
  ]);
  return {
    items: rows.map((row) => ({
      user: presentMemberUser(row),
      role: row.role,
      resourceId: row.resource_id,
      inherited: resourceId !== null && row.resource_id === null,
    })),
    pending,
  };
}

/** What `members:read` alone may see of a pending invitation: who, which role where, and until when. */
export function presentPendingAccess(row: InvitationRow) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    resourceId: row.resource_id,
    status: row.status,
    expiresAt: row.expires_at.toISOString(),
  };
}

/**
 * The access list's pending invitations as this caller may see them. The list itself needs only
 * `members:read`; an invitation is shown whole (message, metadata, inviter) only to a caller
 * who may read invitations at that invitation's own scope, as the invitations API would, and
 * in the reduced shape otherwise. A whole invitation names its person only when the caller may
 * read people where that person is, so no directory id outside the caller's scope leaks.
 */
export async function presentPendingFor(
  ctx: AppContext,
  actor: Actor,
  orgId: string,
  pending: readonly InvitationRow[],
): Promise<(ReturnType<typeof presentInvitation> | ReturnType<typeof presentPendingAccess>)[]> {
  if (pending.length === 0) return [];
  const grants = await orgGrants(ctx.db, actor, orgId);
  const may = (permission: string, resourceId: string | null) => holds(standingIn(grants, actor, { orgId, resourceId }).permissions, permission);
  const personIds = [...new Set(pending.flatMap((row) => (row.person_id === null ? [] : [row.person_id])))];
  const people = new Map(
    personIds.length === 0
      ? []
      : (await ctx.db.selectFrom('people').select(['id', 'resource_id']).where('org_id', '=', orgId).where('id', 'in', personIds).execute()).map(
          (person) => [person.id, person.resource_id],
        ),
  );
  return pending.map((row) => {
    if (!may('invitations:read', row.resource_id)) return presentPendingAccess(row);
    const whole = presentInvitation(row);
    const personScope = row.person_id === null ? undefined : people.get(row.person_id);
    const personVisible = personScope !== undefined && may('people:read', personScope);
    return personVisible ? whole : { ...whole, personId: null };
  });
}
