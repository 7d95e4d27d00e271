/**
 * The org being worked on: its record, resources and roles, loaded when the route's orgId
 * changes and shared by every page (pickers, names of resources and roles in lists), and, for
 * someone who holds access on resources only, the resource they are working in.
 */
import { reactive } from 'vue';
import { api, unwrap } from '../api/api';
import type { Org, Resource, Role } from '../api/types';
import { myResources, orgWide } from './can';
import { session } from './session';

export const current = reactive<{
  orgId: string | null;
  /** The org's name, also known to members who may not read the org record (a location's staff). */
  name: string;
  org: Org | null;
  resources: Resource[];
  roles: Role[];
  /**
   * For someone whose access is on resources only: the one they are working in (People,
   * Invitations and Access show it alone). Null for anyone with an org-wide grant.
   */
  resourceId: string | null;
  error: string | null;
}>({ orgId: null, name: '', org: null, resources: [], roles: [], resourceId: null, error: null });

const SCOPE_KEY = 'gatehouse.resource.';

/** Switches a scoped user to another of their resources; remembered for this tab. */
export function setScope(resourceId: string): void {
  if (current.orgId === null || !myResources(current.orgId).some((r) => r.id === resourceId)) return;
  current.resourceId = resourceId;
  sessionStorage.setItem(SCOPE_KEY + current.orgId, resourceId);
}

/** True when the signed-in user works inside their resources in the current org (no org-wide grant). */
export function scoped(): boolean {
  return current.orgId !== null && !orgWide(current.orgId);
}

/**
 * Loads the org, its resources and roles. Someone who holds access on resources only may not
 * read the org-level records: their resources come from GET /me and the roles are read at
 * their resource (GET /roles?resourceId=), so names and role pickers still work for them.
 */
export async function loadOrg(orgId: string, force = false): Promise<void> {
  if (current.orgId === orgId && current.name !== '' && !force) return;
  current.orgId = orgId;
  const path = { orgId };
  const mine = (session.me?.memberships ?? []).filter((m) => m.org.id === orgId);
  if (!orgWide(orgId) && mine.length > 0) {
    const resources = myResources(orgId);
    const remembered = sessionStorage.getItem(SCOPE_KEY + orgId);
    const scope = resources.find((r) => r.id === remembered)?.id ?? resources[0]?.id ?? null;
    const roles = scope === null ? null : await unwrap(api.GET('/api/v1/orgs/{orgId}/roles', { params: { path, query: { resourceId: scope } } })).catch(() => null);
    if (current.orgId !== orgId) return;
    current.org = null;
    current.name = mine[0]?.org.name ?? '';
    current.resources = resources.map((r) => ({ ...r, orgId, createdAt: '', updatedAt: '' }));
    current.roles = roles?.items ?? [];
    current.resourceId = scope;
    return;
  }
  const [org, resources, roles] = await Promise.allSettled([
    unwrap(api.GET('/api/v1/orgs/{orgId}', { params: { path } })),
    unwrap(api.GET('/api/v1/orgs/{orgId}/resources', { params: { path, query: { limit: 200 } } })),
    unwrap(api.GET('/api/v1/orgs/{orgId}/roles', { params: { path } })),
  ]);
  if (current.orgId !== orgId) return;
  if (org.status === 'rejected' && mine.length === 0) throw org.reason;
  current.org = org.status === 'fulfilled' ? org.value : null;
  current.name = current.org?.name ?? mine[0]?.org.name ?? '';
  current.resources =
    resources.status === 'fulfilled' ? resources.value.items : myResources(orgId).map((r) => ({ ...r, orgId, createdAt: '', updatedAt: '' }));
  current.roles = roles.status === 'fulfilled' ? roles.value.items : [];
  current.resourceId = null;
}

export async function reloadResources(): Promise<void> {
  if (current.orgId === null) return;
  const page = await unwrap(
    api.GET('/api/v1/orgs/{orgId}/resources', { params: { path: { orgId: current.orgId }, query: { limit: 200 } } }),
  );
  current.resources = page.items;
}

export async function reloadRoles(): Promise<void> {
  if (current.orgId === null) return;
  const page = await unwrap(api.GET('/api/v1/orgs/{orgId}/roles', { params: { path: { orgId: current.orgId } } }));
  current.roles = page.items;
}

export function resourceName(id: string | null | undefined): string {
  if (id === null || id === undefined) return 'Whole organization';
  return current.resources.find((r) => r.id === id)?.name ?? 'Unknown location';
}

export function roleName(key: string): string {
  return current.roles.find((r) => r.key === key)?.name ?? key;
}

/**
 * The location filter a list page starts with. For a scoped user it is the resource they work
 * in (a link naming another of theirs switches to it), never "all locations"; for everyone
 * else, what the address says.
 */
export function initialResourceFilter(fromQuery: unknown): string {
  const asked = typeof fromQuery === 'string' ? fromQuery : '';
  if (!scoped()) return asked;
  if (asked !== '') setScope(asked);
  return current.resourceId ?? '';
}

/** Name of the resource a scoped user works in ('' otherwise), for headings. */
export function scopeName(): string {
  return scoped() && current.resourceId !== null ? resourceName(current.resourceId) : '';
}
