/**
 * The access list (SPEC Domain: Membership). For a resource: every org-wide grant (`inherited:
 * true`) plus that resource's grants, and the live invitations that would add to it (org-wide
 * ones and that resource's). For the org as a whole: every grant in the org and every live
 * invitation.
 */
import type { AppContext } from '../context.js';
import type { InvitationRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { LIVE_STATUSES } from '../invitations/invitation.states.js';
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
  let invitations = ctx.db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('status', 'in', LIVE_STATUSES);
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
