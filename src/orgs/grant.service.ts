/**
 * Changing who holds which role where (docs/rules.md R20, R21).
 *
 * - Only a role the actor could grant at that scope may be given (assertGrantable), and a grant
 *   may only be changed or removed by someone who could have given its current role (so an admin
 *   cannot demote or remove an owner).
 * - Grants go only to users with standing in the org (hasStandingInOrg); the rest answer 404
 *   USER_NOT_FOUND, like an id that does not exist.
 * - The last org-wide owner cannot be demoted or removed (409 LAST_OWNER). Race-safe: every
 *   change of an org-wide grant first locks the org's owner grants `FOR UPDATE`, so two owners
 *   demoting each other at once are serialised and the second sees one owner left.
 */
import type { Transaction } from 'kysely';
import { eventActor, type Actor } from '../auth/actor.js';
import { builtInRole, holds } from '../auth/permissions.js';
import { assertGrantable } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import type { DB, GrantRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent } from '../events/event.repository.js';
import * as repo from './grant.repository.js';
import { findResource } from './org.repository.js';
import { lockRole } from './role.repository.js';

export interface GrantScope {
  orgId: string;
  userId: string;
  resourceId: string | null;
}

async function assertNotLastOwner(trx: Transaction<DB>, existing: GrantRow, newRole: string | null): Promise<void> {
  if (existing.resource_id !== null || existing.role !== 'owner' || newRole === 'owner') return;
  const owners = await repo.lockOwners(trx, existing.org_id);
  if (owners.length <= 1) throw new AppError('LAST_OWNER');
}

/** Grants `role` at the scope, or changes the role held there. Returns the grant. */
export async function setGrant(ctx: AppContext, actor: Actor, scope: GrantScope, role: string): Promise<GrantRow> {
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    if (scope.resourceId !== null && (await findResource(trx, scope.orgId, scope.resourceId)) === undefined) {
      throw new AppError('RESOURCE_NOT_FOUND');
    }
    // Who may be given a grant directly: a user with standing in the org already, that is one
    // who holds a grant in it or is linked to a person of its directory. Anyone else reaches the
    // org through an invitation. An account without standing gets the same 404 USER_NOT_FOUND
    // as an id that does not exist, so the route tells nothing about accounts of other orgs.
    if (!(await repo.hasStandingInOrg(trx, scope.orgId, scope.userId))) throw new AppError('USER_NOT_FOUND');
    if (builtInRole(role) === undefined) {
      // A share lock keeps the custom role from being deleted until this grant commits.
      if (!(await lockRole(trx, scope.orgId, role, 'share'))) throw new AppError('ROLE_NOT_FOUND', { details: [{ path: 'role', message: `no role "${role}" in this organization` }] });
    }
    const at = { orgId: scope.orgId, resourceId: scope.resourceId };
    await assertGrantable(trx, actor, role, at);
    if (scope.resourceId === null) await repo.lockOwners(trx, scope.orgId);
    const existing = await repo.lockGrant(trx, scope);
    if (existing?.role === role) return existing;
    if (existing === undefined) {
      const grant = await repo.insertGrant(trx, { ...scope, role }, now);
      await appendEvent(trx, {
        type: 'membership.granted',
        orgId: scope.orgId,
        actor: eventActor(actor),
        userId: scope.userId,
        data: { role, resourceId: scope.resourceId },
        occurredAt: now,
      });
      return grant;
    }
    await assertGrantable(trx, actor, existing.role, at);
    await assertNotLastOwner(trx, existing, role);
    const grant = await repo.updateGrantRole(trx, existing.id, role, now);
    await appendEvent(trx, {
      type: 'membership.changed',
      orgId: scope.orgId,
      actor: eventActor(actor),
      userId: scope.userId,
      data: { role, previousRole: existing.role, resourceId: scope.resourceId },
      occurredAt: now,
    });
    return grant;
  });
}

/** Removes the grant at the scope (404 GRANT_NOT_FOUND when there is none). */
export async function removeGrant(ctx: AppContext, actor: Actor, scope: GrantScope): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    if (scope.resourceId === null) await repo.lockOwners(trx, scope.orgId);
    const existing = await repo.lockGrant(trx, scope);
    if (existing === undefined) throw new AppError('GRANT_NOT_FOUND');
    await assertGrantable(trx, actor, existing.role, { orgId: scope.orgId, resourceId: scope.resourceId });
    await assertNotLastOwner(trx, existing, null);
    await repo.deleteGrant(trx, existing.id);
    await appendEvent(trx, {
      type: 'membership.removed',
      orgId: scope.orgId,
      actor: eventActor(actor),
      userId: scope.userId,
      data: { role: existing.role, resourceId: scope.resourceId },
      occurredAt: now,
    });
    await ctx.accessHooks.removed(trx, { userId: scope.userId, orgIds: [scope.orgId], reason: 'grant_removed', actor: eventActor(actor) }, now);
  });
}

export interface AccessCheck {
  allowed: boolean;
  role: string | null;
  via: 'org' | 'resource' | null;
}

/**
 * Does the user hold `permission` at the scope? A grant on the resource is reported before an
 * org-wide one when both allow it. Users who are not active are never allowed.
 */
export async function checkAccess(
  ctx: AppContext,
  input: { orgId: string; userId: string; permission: string; resourceId: string | null },
): Promise<AccessCheck> {
  if (input.resourceId !== null && (await findResource(ctx.db, input.orgId, input.resourceId)) === undefined) {
    throw new AppError('RESOURCE_NOT_FOUND');
  }
  const grants = await repo.listUserGrantsWithRoles(ctx.db, input.orgId, input.userId);
  const allows = (grant: (typeof grants)[number]) =>
    grant.status === 'active' && holds(builtInRole(grant.role)?.permissions ?? grant.permissions ?? [], input.permission);
  const onResource = input.resourceId === null ? undefined : grants.find((grant) => grant.resource_id === input.resourceId);
  if (onResource !== undefined && allows(onResource)) return { allowed: true, role: onResource.role, via: 'resource' };
  const orgWide = grants.find((grant) => grant.resource_id === null);
  if (orgWide !== undefined && allows(orgWide)) return { allowed: true, role: orgWide.role, via: 'org' };
  return { allowed: false, role: null, via: null };
}

