/** Gatehouse's own permissions with the words the console shows for them, for pickers (the API validates them). */
export const PERMISSIONS: { key: string; label: string }[] = [
  { key: 'org:read', label: 'See the organization' },
  { key: 'org:manage', label: 'Change settings and locations' },
  { key: 'members:read', label: 'See who has access' },
  { key: 'members:manage', label: 'Change and remove access' },
  { key: 'roles:manage', label: 'Manage roles' },
  { key: 'people:read', label: 'See the directory' },
  { key: 'people:manage', label: 'Edit the directory' },
  { key: 'invitations:read', label: 'See invitations' },
  { key: 'invitations:manage', label: 'Invite, resend, edit, revoke' },
  { key: 'events:read', label: 'Read the audit log' },
  { key: 'api_keys:manage', label: 'Manage API keys' },
  { key: 'webhooks:manage', label: 'Manage webhooks' },
];

/**
 * Every event type: the server's own list (src/events/event.types.ts, which the audit log,
 * appendEvent() and webhook subscriptions read too), imported rather than copied, so a type
 * added there reaches the webhook and audit pickers on the next build. That module imports
 * nothing, which is what lets the console bundle it; keep it that way.
 */
export { EVENT_TYPES, type EventType } from '../../../src/events/event.types';
