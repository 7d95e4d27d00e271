/**
 * What the signed-in user may do in an org, from GET /me's memberships: used only to hide what
 * would be refused anyway (the API decides). The console's pages are org-wide, so only org-wide
 * grants count; someone who holds access on one location sees their overview.
 */
import { session } from './session';

export function can(orgId: string | null, permission: string): boolean {
  if (orgId === null) return false;
  return (session.me?.memberships ?? []).some(
    (m) => m.org.id === orgId && m.resource === null && (m.permissions.includes('*') || m.permissions.includes(permission)),
  );
}
