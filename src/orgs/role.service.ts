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
import type { Role } from './org.presenter.js';
import * as repo from './role.repository.js';

export const ROLE_KEY_PATTERN = '^[a-z][a-z0-9_-]{0,39}$';

function presentRoleRow(row: Pick<RoleRow, 'key' | 'name' | 'permissions'>): Role {
  return { key: row.key, name: row.name, permissions: row.permissions, builtIn: false };
}

export async function listRoles(ctx: Pick<AppContext, 'db'>, orgId: string): Promise<Role[]> {
  const custom = await repo.listRoles(ctx.db, orgId);
  return [
    ...BUILT_IN_ROLES.map((role) => ({ key: role.key, name: role.name, permissions: [...role.permissions], builtIn: true })),
    ...custom.map(presentRoleRow),
  ];
}

async function assertHolds(db: AppContext['db'], actor: Actor, orgId: string, permissions: readonly string[]): Promise<void> {
  const found = await standing(db, actor, { orgId });
  if (!covers(found.permissions, permissions)) throw new AppError('PERMISSION_NOT_GRANTABLE');
}

export async function createRole(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  actor: Actor,
  orgId: string,
  input: { key: string; name: string; permissions: string[] },
): Promise<Role> {
  if (builtInRole(input.key) !== undefined) throw new AppError('ROLE_EXISTS');
  const permissions = parsePermissions(input.permissions);
  await assertHolds(ctx.db, actor, orgId, permissions);
  const row = await repo.insertRole(ctx.db, orgId, { key: input.key, name: input.name.trim(), permissions }, ctx.clock.now());
  if (row === undefined) throw new AppError('ROLE_EXISTS');
  return presentRoleRow(row);
}

async function findCustomRole(db: AppContext['db'], orgId: string, key: string): Promise<repo.RoleFields> {
  if (builtInRole(key) !== undefined) throw new AppError('ROLE_BUILT_IN');
  const row = await repo.findRole(db, orgId, key);
  if (row === undefined) throw new AppError('ROLE_NOT_FOUND');
  return row;
}

export async function updateRole(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  actor: Actor,
  orgId: string,
  key: string,
  input: { name?: string; permissions?: string[] },
): Promise<Role> {
  const current = await findCustomRole(ctx.db, orgId, key);
  const permissions = input.permissions === undefined ? undefined : parsePermissions(input.permissions);
  await assertHolds(ctx.db, actor, orgId, [...current.permissions, ...(permissions ?? [])]);
  const row = await repo.updateRole(
    ctx.db,
    orgId,
    key,
    { ...(input.name === undefined ? {} : { name: input.name.trim() }), ...(permissions === undefined ? {} : { permissions }) },
    ctx.clock.now(),
  );
  if (row === undefined) throw new AppError('ROLE_NOT_FOUND');
  return presentRoleRow(row);
}

/** Deletes a custom role that no grant and no live invitation uses (409 ROLE_IN_USE otherwise). */
export async function deleteRole(ctx: Pick<AppContext, 'db'>, actor: Actor, orgId: string, key: string): Promise<void> {
  const current = await findCustomRole(ctx.db, orgId, key);
  await assertHolds(ctx.db, actor, orgId, current.permissions);
  await ctx.db.transaction().execute(async (trx) => {
    // Lock the role row: setGrant takes a share lock on it, so no grant of it commits between
    // the check and the delete.
    await repo.lockRole(trx, orgId, key, 'update');
    if (await repo.roleInUse(trx, orgId, key)) throw new AppError('ROLE_IN_USE');
    await repo.deleteRole(trx, orgId, key);
  });
}
