/**
 * The API's `Membership`: one of the signed-in user's grants as `/me` lists it, with the org's
 * and resource's names and the permissions the role holds there (the console shows and hides
 * its pages by them).
 */
import { type Static, Type } from 'typebox';
import { builtInRole } from '../auth/permissions.js';
import { component, NamedComponent, Uuid } from '../http/schemas.js';

export const MembershipComponent = component(
  'Membership',
  Type.Object({
    org: NamedComponent.ref,
    resource: Type.Union([Type.Object({ id: Uuid, kind: Type.String(), name: Type.String() }), Type.Null()]),
    role: Type.String(),
    permissions: Type.Array(Type.String()),
  }),
);
export const MembershipSchema = MembershipComponent.ref;

export type Membership = Static<typeof MembershipSchema>;

/** A grant with its org, resource and custom role's permissions (null: a built-in role). */
export interface MembershipRow {
  org_id: string;
  org_name: string;
  resource_id: string | null;
  resource_kind: string | null;
  resource_name: string | null;
  role: string;
  permissions: string[] | null;
}

export function presentMembership(row: MembershipRow): Membership {
  return {
    org: { id: row.org_id, name: row.org_name },
    resource:
      row.resource_id === null || row.resource_kind === null || row.resource_name === null
        ? null
        : { id: row.resource_id, kind: row.resource_kind, name: row.resource_name },
    role: row.role,
    permissions: [...(builtInRole(row.role)?.permissions ?? row.permissions ?? [])],
  };
}
