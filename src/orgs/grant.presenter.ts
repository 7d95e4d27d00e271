/**
 * The API's `Grant`: one user's role in an org, org-wide or on one resource. The invitee's accept
 * and register answers carry the grant they made as `membership`.
 */
import { Type } from 'typebox';
import type { GrantRow } from '../db/schema.js';
import { component, Timestamp, Uuid } from '../http/schemas.js';

export const GrantComponent = component(
  'Grant',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    userId: Uuid,
    resourceId: Type.Union([Uuid, Type.Null()]),
    role: Type.String(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
);
export const GrantSchema = GrantComponent.ref;

export function presentGrant(row: GrantRow) {
  return {
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    resourceId: row.resource_id,
    role: row.role,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
