/**
 * Roles of an org: the four built-ins (fixed) and custom roles, each a named permission set.
 * Permissions follow PERMISSION_PATTERN (`area:action`); in one of Gatehouse's own areas they
 * must be one Gatehouse knows. Nobody creates, edits or deletes a role carrying permissions they
 * do not hold themselves at the org (no escalation by editing a role one already holds).
 */
import type { Actor } from '../auth/actor.js';
import { parsePermissions } from '../auth/permission-input.js';
import { BUILT_IN_ROLES, builtInRole, covers } from '../auth/permissions.js';
import { standing } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import type { RoleRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { LIVE_STATUSES } from '../shared/invitation-states.js';
import type { Role } from './org.presenter.js';

export const ROLE_KEY_PATTERN = '^[a-z][a-z0-9_-]{0,39}$';

function presentRoleRow(row: Pick<RoleRow, 'key' | 'name' | 'permissions'>): Role {
  return { key: row.key, name: row.name, permissions: row.permissions, builtIn: false };
}

export async function listRoles(ctx: AppContext, orgId: string): Promise<Role[]> {
  const custom = await ctx.db.selectFrom('roles').select(['key', 'name', 'permissions']).where('org_id', '=', orgId).orderBy('key').execute();
  return [
    ...BUILT_IN_ROLES.map((role) => ({ key: role.key, name: role.name, permissions: [...role.permissions], builtIn: true })),
    ...custom.map(presentRoleRow),
  ];
}

async function assertHolds(ctx: AppContext, actor: Actor, orgId: string, permissions: readonly string[]): Promise<void> {
  const found = await standing(ctx.db, actor, { orgId });
  if (!covers(found.permissions, permissions)) throw new AppError('PERMISSION_NOT_GRANTABLE');
}

export async function createRole(
  ctx: AppContext,
  actor: Actor,
  orgId: string,
  input: { key: string; name: string; permissions: string[] },
): Promise<Role> {
  if (builtInRole(input.key) !== undefined) throw new AppError('ROLE_EXISTS');
  const permissions = parsePermissions(input.permissions);
  await assertHolds(ctx, actor, orgId, permissions);
  const now = ctx.clock.now();
  const row = await ctx.db
    .insertInto('roles')
    .values({ org_id: orgId, key: input.key, name: input.name.trim(), permissions: JSON.stringify(permissions), created_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['org_id', 'key']).doNothing())
    .returning(['key', 'name', 'permissions'])
    .executeTakeFirst();
  if (row === undefined) throw new AppError('ROLE_EXISTS');
  return presentRoleRow(row);
}

async function findCustomRole(ctx: AppContext, orgId: string, key: string) {
  if (builtInRole(key) !== undefined) throw new AppError('ROLE_BUILT_IN');
  const row = await ctx.db.selectFrom('roles').select(['key', 'name', 'permissions']).where('org_id', '=', orgId).where('key', '=', key).executeTakeFirst();
  if (row === undefined) throw new AppError('ROLE_NOT_FOUND');
  return row;
}

export async function updateRole(
  ctx: AppContext,
  actor: Actor,
  orgId: string,
  key: string,
  input: { name?: string; permissions?: string[] },
): Promise<Role> {
  const current = await findCustomRole(ctx, orgId, key);
  const permissions = input.permissions === undefined ? undefined : parsePermissions(input.permissions);
  await assertHolds(ctx, actor, orgId, [...current.permissions, ...(permissions ?? [])]);
  const row = await ctx.db
    .updateTable('roles')
    .set({
      ...(input.name === undefined ? {} : { name: input.name.trim() }),
      ...(permissions === undefined ? {} : { permissions: JSON.stringify(permissions) }),
      updated_at: ctx.clock.now(),
    })
    .where('org_id', '=', orgId)
    .where('key', '=', key)
    .returning(['key', 'name', 'permissions'])
    .executeTakeFirst();
  if (row === undefined) throw new AppError('ROLE_NOT_FOUND');
  return presentRoleRow(row);
}

/** Deletes a custom role that no grant and no live invitation uses (409 ROLE_IN_USE otherwise). */
export async function deleteRole(ctx: AppContext, actor: Actor, orgId: string, key: string): Promise<void> {
  const current = await findCustomRole(ctx, orgId, key);
  await assertHolds(ctx, actor, orgId, current.permissions);
  await ctx.db.transaction().execute(async (trx) => {
    // Lock the role row: setGrant takes a share lock on it, so no grant of it commits between
    // the check and the delete.
    await trx.selectFrom('roles').select('key').where('org_id', '=', orgId).where('key', '=', key).forUpdate().execute();
    const grant = await trx.selectFrom('grants').select('id').where('org_id', '=', orgId).where('role', '=', key).executeTakeFirst();
    const invitation = await trx
      .selectFrom('invitations')
      .select('id')
      .where('org_id', '=', orgId)
      .where('role', '=', key)
      .where('status', 'in', LIVE_STATUSES)
      .executeTakeFirst();
    if (grant !== undefined || invitation !== undefined) throw new AppError('ROLE_IN_USE');
    await trx.deleteFrom('roles').where('org_id', '=', orgId).where('key', '=', key).execute();
  });
}
