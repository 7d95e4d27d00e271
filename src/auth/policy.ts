/**
 * Authorization: one `can(actor, permission, scope)` used by every org-scoped route, and the
 * rule that nobody hands on a role with permissions they lack at that scope (docs/rules.md R20).
 *
 * A user's permissions at a scope are the union of the roles of their org-wide grant and, for
 * a resource scope, their grant on that resource. An API key acts for the user who created it:
 * in its own org it holds its own permission set, bounded by what its creator holds org-wide
 * there now (so a key of a demoted admin loses what the admin lost, and a key of a removed,
 * disabled or deleted creator holds nothing). A widget acts as its user, in its own org only,
 * with at most the token's scopes, and only at the token's resource when it names one
 * (docs/rules.md R81): elsewhere in the org it has standing but no permission. Someone with no
 * standing in the org at all gets
 * 404, never 403, so ids of other orgs leak nothing; so does a resource id that is not the
 * org's own.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { Actor } from './actor.js';
import { builtInRole, covers, holds } from './permissions.js';
import { findCustomRolePermissions, type GrantWithPermissions, listApiKeyCreatorGrants, listUserOrgGrants, resourceBelongsToOrg } from './standing.repository.js';

export interface Scope {
  orgId: string;
  /** A resource inside the org; undefined or null means the org as a whole. */
  resourceId?: string | null;
}

export interface Standing {
  /** The actor has some standing in the org (any grant, or an API key of that org). */
  member: boolean;
  /** Permissions that apply at the scope asked about. */
  permissions: string[];
  /** The actor holds the owner role org-wide. */
  owner: boolean;
}

type Db = Kysely<DB> | Transaction<DB>;

/** The permissions of a role of an org, or null when the org has no such role. */
export async function rolePermissions(db: Db, orgId: string, roleKey: string): Promise<string[] | null> {
  const builtIn = builtInRole(roleKey);
  if (builtIn !== undefined) return [...builtIn.permissions];
  return findCustomRolePermissions(db, orgId, roleKey);
}

/** An actor's grants in one org, read once: its standing at every scope of the org follows from them. */
export interface OrgGrants {
  orgId: string;
  /**
   * A user's grants with their roles' permissions (null for a built-in role); for an API key,
   * its creator's org-wide grant when the creator is still an active account.
   */
  rows: readonly GrantWithPermissions[];
}

/** One query. */
export async function orgGrants(db: Db, actor: Actor, orgId: string): Promise<OrgGrants> {
  if (actor.type === 'api_key') {
    if (actor.orgId !== orgId) return { orgId, rows: [] };
    return { orgId, rows: await listApiKeyCreatorGrants(db, actor.keyId) };
  }
  if (actor.type === 'widget' && actor.orgId !== orgId) return { orgId, rows: [] };
  return { orgId, rows: await listUserOrgGrants(db, actor.userId, orgId) };
}

/** The actor's standing at a scope of the org whose grants these are. */
export function standingIn(grants: OrgGrants, actor: Actor, scope: Scope): Standing {
  if (grants.orgId !== scope.orgId) throw new Error('standingIn: grants of another org');
  if (actor.type === 'api_key') {
    const member = actor.orgId === scope.orgId;
    const creator = new Set<string>();
    for (const grant of grants.rows) {
      if (grant.resource_id !== null) continue;
      for (const permission of builtInRole(grant.role)?.permissions ?? grant.permissions ?? []) creator.add(permission);
    }
    const permissions = member ? actor.permissions.filter((permission) => creator.has('*') || creator.has(permission)) : [];
    return { member, permissions, owner: false };
  }
  const resourceId = scope.resourceId ?? null;
  const permissions = new Set<string>();
  for (const grant of grants.rows) {
    if (grant.resource_id !== null && grant.resource_id !== resourceId) continue;
    for (const permission of builtInRole(grant.role)?.permissions ?? grant.permissions ?? []) permissions.add(permission);
  }
  const member = grants.rows.length > 0;
  if (actor.type === 'widget') {
    // The user's standing, narrowed to the token: its scopes, at its resource only, never owner.
    const inScope = actor.orgId === scope.orgId && (actor.resourceId === null || actor.resourceId === resourceId);
    const held = [...permissions];
    return { member, permissions: inScope ? actor.permissions.filter((permission) => holds(held, permission)) : [], owner: false };
  }
  return { member, permissions: [...permissions], owner: grants.rows.some((grant) => grant.resource_id === null && grant.role === 'owner') };
}

export async function standing(db: Db, actor: Actor, scope: Scope): Promise<Standing> {
  return standingIn(await orgGrants(db, actor, scope.orgId), actor, scope);
}

export async function can(db: Db, actor: Actor, permission: string, scope: Scope): Promise<boolean> {
  return canIn(await orgGrants(db, actor, scope.orgId), actor, permission, scope);
}

/** can() on the actor's grants in the org, already read. */
export function canIn(grants: OrgGrants, actor: Actor, permission: string, scope: Scope): boolean {
  return holds(standingIn(grants, actor, scope).permissions, permission);
}

/** authorize() on a standing already read: 404 ORG_NOT_FOUND without standing, 403 FORBIDDEN without the permission. */
export function checkPermission(found: Standing, permission: string): void {
  if (!found.member) throw new AppError('ORG_NOT_FOUND');
  if (!holds(found.permissions, permission)) throw new AppError('FORBIDDEN');
}

/**
 * Throws unless the actor may do `permission` at `scope`: 401 when nobody is signed in, 404
 * ORG_NOT_FOUND when the actor has no standing in the org, 403 FORBIDDEN when they lack it.
 */
export async function authorize(db: Db, actor: Actor | null, permission: string, scope: Scope): Promise<Actor> {
  if (actor === null) throw new AppError('UNAUTHENTICATED');
  await authorizeIn(db, await orgGrants(db, actor, scope.orgId), actor, permission, scope);
  return actor;
}

/** authorize() on the actor's grants in the org, already read (the database is read only on the way to a 403). */
export async function authorizeIn(db: Db, grants: OrgGrants, actor: Actor, permission: string, scope: Scope): Promise<void> {
  const found = standingIn(grants, actor, scope);
  if (found.member && !holds(found.permissions, permission)) await assertOwnResource(db, scope);
  checkPermission(found, permission);
}

/**
 * 404 RESOURCE_NOT_FOUND when the scope names a resource that is not the org's own: another
 * org's resource id answers as if it did not exist, never 403. Read only on the way to a 403,
 * so an allowed request pays nothing (and the services check their resource themselves).
 */
export async function assertOwnResource(db: Db, scope: Scope): Promise<void> {
  const resourceId = scope.resourceId ?? null;
  if (resourceId === null) return;
  if (!(await resourceBelongsToOrg(db, scope.orgId, resourceId))) throw new AppError('RESOURCE_NOT_FOUND');
}

/**
 * assertGrantable() on a standing and role permissions already read (`wanted` null: the org
 * has no such role).
 */
export function checkGrantable(found: Standing, roleKey: string, wanted: readonly string[] | null): void {
  if (wanted === null) {
    throw new AppError('ROLE_NOT_FOUND', { details: [{ path: 'role', message: `no role "${roleKey}" in this organization` }] });
  }
  if (roleKey === 'owner' && !found.owner) throw new AppError('ROLE_NOT_GRANTABLE');
  if (!covers(found.permissions, wanted)) throw new AppError('ROLE_NOT_GRANTABLE');
}

/**
 * Throws unless the actor may hand `roleKey` on at `scope`: only owners grant `owner`, and
 * nobody grants a role with a permission they lack there (404 RESOURCE_NOT_FOUND for a
 * resource that is not the org's).
 */
export async function assertGrantable(db: Db, actor: Actor, roleKey: string, scope: Scope): Promise<void> {
  await assertGrantableIn(db, await orgGrants(db, actor, scope.orgId), actor, roleKey, scope);
}

/** assertGrantable() on the actor's grants in the org, already read. */
export async function assertGrantableIn(db: Db, grants: OrgGrants, actor: Actor, roleKey: string, scope: Scope): Promise<void> {
  await assertOwnResource(db, scope);
  checkGrantable(standingIn(grants, actor, scope), roleKey, await rolePermissions(db, scope.orgId, roleKey));
}

/**
 * Throws 404 ORG_NOT_FOUND unless the actor has some standing in the org whose grants these
 * are. For routes that must find a record before they know the scope to `authorize` at (a
 * person's resource, say): outsiders get the same 404 they would get anywhere in the org.
 */
export function requireStanding(grants: OrgGrants, actor: Actor): void {
  if (!standingIn(grants, actor, { orgId: grants.orgId }).member) throw new AppError('ORG_NOT_FOUND');
}
