/**
 * The org being worked on: its record, resources and roles, taken from GET /me when the route's
 * orgId changes and shared by every page (pickers, names of resources and roles in lists), and, for
 * someone who holds access on resources only, the resource they are working in.
 */
import { reactive } from 'vue';
import type { Org, Resource, Role } from '../api/types';
import { myResources, orgWide } from './can';
import { loadMe, session } from './session';

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
 * Takes the org, its resources and roles from GET /me, which carries each of the user's orgs as
 * they may read it (docs/rules.md R92): no request of its own, so a page's data is the only
 * other wave. Someone who holds access on resources only gets no org record, their resources
 * (the memberships name any /me could not list) and the roles readable at them.
 */
export function loadOrg(orgId: string, force = false): Promise<void> {
  if (current.orgId === orgId && current.name !== '' && !force) return Promise.resolve();
  current.orgId = orgId;
  const entry = session.me?.orgs.find((o) => o.id === orgId);
  if (entry === undefined) {
    Object.assign(current, { name: '', org: null, resources: [], roles: [], resourceId: null });
    return Promise.reject(new Error('Organization not found.'));
  }
  current.org = entry.org;
  current.name = entry.org?.name ?? entry.name;
  current.roles = entry.roles;
  if (orgWide(orgId)) {
    current.resources = entry.resources;
    current.resourceId = null;
    return Promise.resolve();
  }
  const mine = myResources(orgId);
  const listed = new Set(entry.resources.map((r) => r.id));
  current.resources = [...entry.resources, ...mine.filter((r) => !listed.has(r.id)).map((r) => ({ ...r, orgId, createdAt: '', updatedAt: '' }))];
  const remembered = sessionStorage.getItem(SCOPE_KEY + orgId);
  current.resourceId = mine.find((r) => r.id === remembered)?.id ?? mine[0]?.id ?? null;
  return Promise.resolve();
}

/**
 * Reads /me again and takes the current org from it: after an edit that changes what /me
 * carries (the org's name or settings, a resource or a role created, changed or deleted).
 */
export async function refreshOrg(): Promise<void> {
  await loadMe(true);
  if (current.orgId !== null) await loadOrg(current.orgId, true);
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
