/**
 * What the signed-in user may do in an org, from GET /me's memberships: used only to hide what
 * would be refused anyway (the API decides). A permission held on one resource counts here, so a
 * location's owner sees the pages and the API narrows the lists to their location.
 */
import { session } from './session';

export function can(orgId: string | null, permission: string): boolean {
  if (orgId === null) return false;
  return (session.me?.memberships ?? []).some(
    (m) => m.org.id === orgId && (m.permissions.includes('*') || m.permissions.includes(permission)),
  );
}
