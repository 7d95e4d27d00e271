/**
 * Permissions and the built-in roles. A permission is `area:action`. Gatehouse's own areas are
 * listed in GATEHOUSE_PERMISSIONS; custom roles may also carry a host application's permissions
 * (`documents:read`, `bills:write`) that Gatehouse only stores and answers `access/check` with.
 * `*` (the owner's) holds every permission, including ones not yet invented.
 *
 * The console imports this module (web/src/lib/catalog.ts), so it must import nothing.
 */
export const GATEHOUSE_PERMISSIONS = [
  'org:read',
  'org:manage',
  'org:delete',
  'members:read',
  'members:manage',
  'roles:manage',
  'people:read',
  'people:manage',
  'invitations:read',
  'invitations:manage',
  'events:read',
  'api_keys:manage',
  'webhooks:manage',
  'apps:manage',
] as const;

export type GatehousePermission = (typeof GATEHOUSE_PERMISSIONS)[number];

export const PERMISSION_PATTERN = '^[a-z][a-z0-9_-]{0,39}:[a-z][a-z0-9_-]{0,39}$';

export interface BuiltInRole {
  key: 'owner' | 'admin' | 'member' | 'viewer';
  name: string;
  permissions: readonly string[];
}

export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  { key: 'owner', name: 'Owner', permissions: ['*'] },
  {
    key: 'admin',
    name: 'Admin',
    permissions: GATEHOUSE_PERMISSIONS.filter((permission) => permission !== 'org:delete'),
  },
  {
    key: 'member',
    name: 'Member',
    permissions: ['org:read', 'members:read', 'people:read', 'invitations:read'],
  },
  { key: 'viewer', name: 'Viewer', permissions: ['org:read', 'members:read'] },
];

export function builtInRole(key: string): BuiltInRole | undefined {
  return BUILT_IN_ROLES.find((role) => role.key === key);
}

/** True when `held` grants `permission`. */
export function holds(held: readonly string[], permission: string): boolean {
  return held.includes('*') || held.includes(permission);
}

/** True when `held` grants every permission of `wanted` (so a role may be handed on). */
export function covers(held: readonly string[], wanted: readonly string[]): boolean {
  if (held.includes('*')) return true;
  return wanted.every((permission) => permission !== '*' && held.includes(permission));
}
