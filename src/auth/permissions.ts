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

/**
 * One line on what a role allows, for the person invited to it (docs/rules.md R73): from its
 * Gatehouse permissions; a role with only a host application's permissions gives access to
 * that application alone.
 */
export function roleSummary(permissions: readonly string[]): string {
  if (permissions.includes('*')) return 'Full control of the organization, including its owners and its deletion.';
  const can = (permission: string) => permissions.includes(permission);
  const actions = [
    ...(can('invitations:manage') || can('people:manage') ? ['invite people and manage their invitations'] : []),
    ...(can('members:manage') ? ["change who has access and with which role"] : []),
    ...(can('roles:manage') ? ['define roles'] : []),
    ...(can('org:manage') ? ["change the organization's settings"] : []),
    ...(can('api_keys:manage') || can('webhooks:manage') ? ['manage API keys and webhooks'] : []),
  ];
  if (actions.length > 0) {
    const list = actions.length === 1 ? actions[0] : `${actions.slice(0, -1).join(', ')} and ${actions[actions.length - 1] ?? ''}`;
    return `Can ${list ?? ''}.`;
  }
  const reads = permissions.filter((permission) => (GATEHOUSE_PERMISSIONS as readonly string[]).includes(permission));
  if (reads.length > 0) return 'Can see the organization and who has access; cannot change anything.';
  return "Access to the organization's applications.";
}
