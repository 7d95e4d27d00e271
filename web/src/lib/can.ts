/**
 * What the signed-in user may do in an org, from GET /me's memberships: used only to hide what
 * would be refused anyway (the API decides, in src/auth/policy.ts). It follows the policy's
 * rules: the permissions at a scope are those of the user's org-wide grants plus, at a
 * resource, those of their grant on that resource; a role may be handed on only when its
 * permissions are all held there, and `owner` only by an org-wide owner.
 *
 * Someone whose grants are all on resources (a clinic's lead, a property's owner) is "scoped":
 * the console works inside one of their resources at a time (lib/org.ts `current.resourceId`).
 */
import type { Membership, Role } from '../api/types';
import { session } from './session';

export interface MyResource {
  id: string;
  kind: string;
  name: string;
}

function grantsIn(orgId: string | null): Membership[] {
  if (orgId === null) return [];
  return (session.me?.memberships ?? []).filter((m) => m.org.id === orgId);
}

const holds = (held: readonly string[], permission: string) => held.includes('*') || held.includes(permission);

/** The permissions the user holds in the org as a whole (resourceId null) or at one resource. */
export function permissionsAt(orgId: string | null, resourceId: string | null = null): string[] {
  const held = new Set<string>();
  for (const grant of grantsIn(orgId)) {
    if (grant.resource !== null && grant.resource.id !== resourceId) continue;
    for (const permission of grant.permissions) held.add(permission);
  }
  return [...held];
}

export function can(orgId: string | null, permission: string, resourceId: string | null = null): boolean {
  return holds(permissionsAt(orgId, resourceId), permission);
}

/** True when the user holds some grant on the whole org; false for someone who holds access on resources only. */
export function orgWide(orgId: string | null): boolean {
  return grantsIn(orgId).some((m) => m.resource === null);
}

/** The resources the user holds a grant on, by name (what a scoped user may switch between). */
export function myResources(orgId: string | null): MyResource[] {
  const seen = new Map<string, MyResource>();
  for (const grant of grantsIn(orgId)) if (grant.resource !== null) seen.set(grant.resource.id, grant.resource);
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Where the user may do `permission`: the whole org (null) when they may there, otherwise the
 * ids of their resources where they may. With org-wide permission, every resource is allowed
 * too, so callers offer "whole organization" plus all of the org's resources.
 */
export function scopesFor(orgId: string | null, permission: string): { org: boolean; resources: MyResource[] } {
  if (can(orgId, permission)) return { org: true, resources: [] };
  return { org: false, resources: myResources(orgId).filter((r) => can(orgId, permission, r.id)) };
}

/** True when the user may do `permission` somewhere in the org (org-wide or on one of their resources). */
export function canSomewhere(orgId: string | null, permission: string): boolean {
  const scopes = scopesFor(orgId, permission);
  return scopes.org || scopes.resources.length > 0;
}

/** The roles the user may hand on at a scope (what an invitation or a grant there may give). */
export function grantableRoles(orgId: string | null, resourceId: string | null, roles: readonly Role[]): Role[] {
  const held = permissionsAt(orgId, resourceId);
  const owner = grantsIn(orgId).some((m) => m.resource === null && m.role === 'owner');
  return roles.filter((role) => {
    if (role.key === 'owner') return owner;
    if (held.includes('*')) return true;
    return role.permissions.every((p) => p !== '*' && held.includes(p));
  });
}
