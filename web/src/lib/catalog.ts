import { GATEHOUSE_PERMISSIONS, type GatehousePermission } from '../../../src/auth/permissions';

/**
 * Gatehouse's own permissions (the server's list in src/auth/permissions.ts, which imports
 * nothing, imported rather than copied) with the words the console shows for them, for pickers.
 * A permission added on the server fails this build until it has words here.
 */
const PERMISSION_LABELS: Record<GatehousePermission, string> = {
  'org:read': 'See the organization',
  'org:manage': 'Change settings and locations',
  'org:delete': 'Delete the organization',
  'members:read': 'See who has access',
  'members:manage': 'Change and remove access',
  'roles:manage': 'Manage roles',
  'people:read': 'See the directory',
  'people:manage': 'Edit the directory',
  'invitations:read': 'See invitations',
  'invitations:manage': 'Invite, resend, edit, revoke',
  'events:read': 'Read the audit log',
  'api_keys:manage': 'Manage API keys',
  'webhooks:manage': 'Manage webhooks',
  'apps:manage': 'Manage apps that sign in with Gatehouse',
};

export const PERMISSIONS: { key: GatehousePermission; label: string }[] = GATEHOUSE_PERMISSIONS.map((key) => ({ key, label: PERMISSION_LABELS[key] }));

/**
 * Every event type: the server's own list (src/common/event-types.ts, which the audit log,
 * appendEvent() and webhook subscriptions read too), imported rather than copied, so a type
 * added there reaches the webhook and audit pickers on the next build. That module imports
 * nothing, which is what lets the console bundle it; keep it that way.
 */
export { EVENT_TYPES, type EventType } from '../../../src/common/event-types';
