/**
 * The org being worked on: its record, resources and roles, loaded when the route's orgId
 * changes and shared by every page (pickers, names of resources and roles in lists).
 */
import { reactive } from 'vue';
import { api, unwrap } from '../api/api';
import type { Org, Resource, Role } from '../api/types';

export const current = reactive<{
  orgId: string | null;
  org: Org | null;
  resources: Resource[];
  roles: Role[];
  error: string | null;
}>({ orgId: null, org: null, resources: [], roles: [], error: null });

export async function loadOrg(orgId: string, force = false): Promise<void> {
  if (current.orgId === orgId && current.org !== null && !force) return;
  current.orgId = orgId;
  const path = { orgId };
  const [org, resources, roles] = await Promise.all([
    unwrap(api.GET('/api/v1/orgs/{orgId}', { params: { path } })),
    unwrap(api.GET('/api/v1/orgs/{orgId}/resources', { params: { path, query: { limit: 200 } } })),
    unwrap(api.GET('/api/v1/orgs/{orgId}/roles', { params: { path } })),
  ]);
  if (current.orgId !== orgId) return;
  current.org = org;
  current.resources = resources.items;
  current.roles = roles.items;
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
