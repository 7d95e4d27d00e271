/**
 * The org's console pages and what each needs. `orgOnly` pages concern the organization as a
 * whole (its settings, roles, keys, webhooks, audit log): someone who holds access on resources
 * only is not offered them, and opening one by address explains instead of failing.
 */
import { can, orgWide } from './can';
import { current } from './org';
import type { IconName } from './icons';

export interface OrgPage {
  path: string;
  label: string;
  text: string;
  permission: string;
  orgOnly: boolean;
  icon: IconName;
}

export const ORG_PAGES: readonly OrgPage[] = [
  { path: 'people', label: 'People', text: 'The directory and each person’s invitation.', permission: 'people:read', orgOnly: false, icon: 'people' },
  { path: 'invitations', label: 'Invitations', text: 'Every invitation, bulk invite, resend and revoke.', permission: 'invitations:read', orgOnly: false, icon: 'invitations' },
  { path: 'access', label: 'Access', text: 'Who has access, with which role, and where.', permission: 'members:read', orgOnly: false, icon: 'access' },
  { path: 'roles', label: 'Roles', text: 'The roles you can give and their permissions.', permission: 'org:read', orgOnly: true, icon: 'roles' },
  { path: 'settings', label: 'Settings', text: 'Invitation lifetime, tracking, reminders, sender, locations.', permission: 'org:manage', orgOnly: true, icon: 'settings' },
  { path: 'api-keys', label: 'API keys', text: 'Keys for integrations.', permission: 'api_keys:manage', orgOnly: true, icon: 'api-keys' },
  { path: 'apps', label: 'Apps', text: 'Your applications that sign people in with Gatehouse.', permission: 'apps:manage', orgOnly: true, icon: 'apps' },
  { path: 'webhooks', label: 'Webhooks', text: 'Signed event deliveries to your systems.', permission: 'webhooks:manage', orgOnly: true, icon: 'webhooks' },
  { path: 'audit', label: 'Audit log', text: 'Every change, who made it and when.', permission: 'events:read', orgOnly: true, icon: 'audit' },
];

/** May the user use this page: org-wide, or inside the resource they are working in? */
export function pageAllowed(orgId: string, page: OrgPage): boolean {
  if (orgWide(orgId)) return can(orgId, page.permission);
  return !page.orgOnly && current.resourceId !== null && can(orgId, page.permission, current.resourceId);
}

export function pageOf(key: unknown): OrgPage | undefined {
  return ORG_PAGES.find((p) => p.path === key);
}
