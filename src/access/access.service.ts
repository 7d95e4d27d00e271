/**
 * The access list (docs/rules.md, Domain: Grant). For a resource: every org-wide grant (`inherited:
 * true`) plus that resource's grants, and the live invitations that would add to it (org-wide
 * ones and that resource's). For the org as a whole: every grant in the org and every live
 * invitation.
 */
import type { Actor } from '../auth/actor.js';
import { canIn, orgGrants } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import type { InvitationRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { presentInvitation } from '../invitations/invitation.presenter.js';
import { presentMemberUser } from '../orgs/org.presenter.js';
import { findResource } from '../orgs/org.repository.js';
import * as repo from './access.repository.js';

export interface AccessEntry {
  user: ReturnType<typeof presentMemberUser>;
  role: string;
  resourceId: string | null;
  inherited: boolean;
}

export async function listAccess(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  orgId: string,
  resourceId: string | null,
): Promise<{ items: AccessEntry[]; pending: InvitationRow[] }> {
  if (resourceId !== null && (await findResource(ctx.db, orgId, resourceId)) === undefined) throw new AppError('RESOURCE_NOT_FOUND');
  const [rows, pending] = await Promise.all([
    repo.listAccessGrants(ctx.db, orgId, resourceId),
    repo.listPendingInvitations(ctx.db, orgId, resourceId, ctx.clock.now()),
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
function presentPendingAccess(row: InvitationRow) {
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
  ctx: Pick<AppContext, 'db'>,
  actor: Actor,
  orgId: string,
  pending: readonly InvitationRow[],
): Promise<(ReturnType<typeof presentInvitation> | ReturnType<typeof presentPendingAccess>)[]> {
  if (pending.length === 0) return [];
  const grants = await orgGrants(ctx.db, actor, orgId);
  const may = (permission: string, resourceId: string | null) => canIn(grants, actor, permission, { orgId, resourceId });
  const personIds = [...new Set(pending.flatMap((row) => (row.person_id === null ? [] : [row.person_id])))];
  const people = await repo.peopleScopes(ctx.db, orgId, personIds);
  return pending.map((row) => {
    if (!may('invitations:read', row.resource_id)) return presentPendingAccess(row);
    const whole = presentInvitation(row);
    const personScope = row.person_id === null ? undefined : people.get(row.person_id);
    const personVisible = personScope !== undefined && may('people:read', personScope);
    return personVisible ? whole : { ...whole, personId: null };
  });
}
