/**
 * What a host app learns about a signed-in user (docs/rules.md R50): the standard claims, and with
 * the `gatehouse` scope one claim holding the user's org-wide role in the app's org with its
 * permissions, their per-resource grants, and their people-directory entry. The ID token carries
 * at most ID_TOKEN_GRANT_CAP grants (then `grantsTruncated: true`); userinfo always has them all.
 */
import type { Kysely } from 'kysely';
import { builtInRole } from '../auth/permissions.js';
import type { DB, UserRow } from '../db/schema.js';
import { findLinkedPerson, listClaimGrants } from './claims.repository.js';

export const ID_TOKEN_GRANT_CAP = 50;

export interface GatehouseClaim {
  orgId: string;
  role: string | null;
  permissions: string[];
  grants: { resourceId: string; kind: string; name: string; role: string; permissions: string[] }[];
  person: { id: string; title: string | null; resourceId: string | null } | null;
  grantsTruncated?: true;
}

const permissionsOf = (role: string, custom: string[] | null) => custom ?? [...(builtInRole(role)?.permissions ?? [])];

/** The `gatehouse` claim for the user in the org; `resourceId` narrows the grants to that one resource. */
export async function gatehouseClaim(db: Kysely<DB>, orgId: string, userId: string, options: { cap?: number; resourceId?: string | null }): Promise<GatehouseClaim> {
  const [rows, person] = await Promise.all([listClaimGrants(db, orgId, userId), findLinkedPerson(db, orgId, userId)]);
  const orgWide = rows.find((row) => row.resource_id === null);
  let grants = rows
    .filter((row) => row.resource_id !== null)
    .map((row) => ({
      resourceId: row.resource_id ?? '',
      kind: row.kind ?? '',
      name: row.name ?? '',
      role: row.role,
      permissions: permissionsOf(row.role, row.permissions),
    }));
  if (options.resourceId !== undefined && options.resourceId !== null) grants = grants.filter((g) => g.resourceId === options.resourceId);
  const truncated = options.cap !== undefined && grants.length > options.cap;
  return {
    orgId,
    role: orgWide?.role ?? null,
    permissions: orgWide === undefined ? [] : permissionsOf(orgWide.role, orgWide.permissions),
    grants: truncated ? grants.slice(0, options.cap) : grants,
    person: person === undefined ? null : { id: person.id, title: person.title, resourceId: person.resource_id },
    ...(truncated ? { grantsTruncated: true as const } : {}),
  };
}

export function standardClaims(user: UserRow) {
  const name = `${user.first_name} ${user.last_name}`.trim();
  return {
    email: user.email,
    email_verified: user.email_verified_at !== null,
    given_name: user.first_name,
    family_name: user.last_name,
    name: name === '' ? user.email : name,
  };
}
