/**
 * What a role allows, in one line, for the role pickers: the built-in roles in words, a custom
 * role from its permissions. Owner comes last in a picker and is never the default.
 */
import type { Role } from '../api/types';
import { PERMISSIONS } from './catalog';

const BUILT_IN: Record<string, string> = {
  owner: 'Everything, including managing owners and deleting the organization.',
  admin: 'Invite and manage people, access, roles, settings, keys and webhooks.',
  member: 'See the directory, invitations and who has access; change nothing.',
  viewer: 'See the organization and who has access.',
};

export function roleDescription(role: Pick<Role, 'key' | 'permissions' | 'builtIn'>): string {
  if (role.builtIn && BUILT_IN[role.key] !== undefined) return BUILT_IN[role.key] ?? '';
  if (role.permissions.includes('*')) return 'Everything.';
  const words = role.permissions.map((p) => PERMISSIONS.find((x) => x.key === p)?.label ?? p);
  return words.length === 0 ? 'No permissions.' : `${words.join(', ')}.`;
}

/** Roles for a picker: the usual ones first, owner last. */
export function pickerOrder<T extends { key: string }>(roles: readonly T[]): T[] {
  return [...roles].sort((a, b) => Number(a.key === 'owner') - Number(b.key === 'owner'));
}
