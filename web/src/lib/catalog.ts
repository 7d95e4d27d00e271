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
 * The event types a webhook may subscribe to and the audit log is filtered by: the server's own
 * list, imported rather than copied, so a type added there reaches the pickers on the next
 * build. src/webhooks/webhook.events.ts imports nothing, which is what lets the console bundle
 * it; keep it that way (or move the list to the OpenAPI document as an enum).
 */
export { WEBHOOK_EVENT_TYPES as EVENT_TYPES } from '../../../src/webhooks/webhook.events';
