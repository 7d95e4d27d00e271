/**
 * The org being worked on: its record, resources and roles, loaded when the route's orgId
 * changes and shared by every page (pickers, names of resources and roles in lists).
 */
import { reactive } from 'vue';
import { api, unwrap } from '../api/api';
import type { Org, Resource, Role } from '../api/types';
import { session } from './session';

export const current = reactive<{
  orgId: string | null;
  /** The org's name, also known to members who may not read the org record (a location's staff). */
  name: string;
  org: Org | null;
  resources: Resource[];
  roles: Role[];
  error: string | null;
}>({ orgId: null, name: '', org: null, resources: [], roles: [], error: null });

/**
 * Loads the org, its resources and roles. Someone who holds access on one location only may not
 * read the org-level records (403): they get what GET /me says instead (the org's name and their
 * locations), so their overview still renders.
 */
export async function loadOrg(orgId: string, force = false): Promise<void> {
  if (current.orgId === orgId && current.name !== '' && !force) return;
  current.orgId = orgId;
  const path = { orgId };
  const [org, resources, roles] = await Promise.allSettled([
    unwrap(api.GET('/api/v1/orgs/{orgId}', { params: { path } })),
    unwrap(api.GET('/api/v1/orgs/{orgId}/resources', { params: { path, query: { limit: 200 } } })),
    unwrap(api.GET('/api/v1/orgs/{orgId}/roles', { params: { path } })),
  ]);
  if (current.orgId !== orgId) return;
  const mine = (session.me?.memberships ?? []).filter((m) => m.org.id === orgId);
  if (org.status === 'rejected' && mine.length === 0) throw org.reason;
  current.org = org.status === 'fulfilled' ? org.value : null;
  current.name = current.org?.name ?? mine[0]?.org.name ?? '';
  current.resources =
    resources.status === 'fulfilled'
      ? resources.value.items
      : mine.flatMap((m) => (m.resource === null ? [] : [{ ...m.resource, orgId, createdAt: '', updatedAt: '' }]));
  current.roles = roles.status === 'fulfilled' ? roles.value.items : [];
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
