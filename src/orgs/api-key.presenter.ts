/**
 * The API's `ApiKey`: what a key may do and when it was used, never its secret or digest. The
 * secret leaves once, in the create answer (`NewApiKey`).
 */
import { Type } from 'typebox';
import type { ApiKeyRow } from '../db/schema.js';
import { component, NullableTimestamp, Timestamp, Uuid } from '../http/schemas.js';

export const ApiKeyComponent = component(
  'ApiKey',
  Type.Object({
    id: Uuid,
    name: Type.String(),
    permissions: Type.Array(Type.String()),
    prefix: Type.String(),
    createdBy: Type.Union([Uuid, Type.Null()]),
    createdAt: Timestamp,
    lastUsedAt: NullableTimestamp,
    revokedAt: NullableTimestamp,
  }),
);
export const ApiKeySchema = ApiKeyComponent.ref;

/** The create answer: the key and, this once, its secret. */
export const NewApiKeyComponent = component('NewApiKey', Type.Intersect([ApiKeySchema, Type.Object({ secret: Type.String() })]));

export function presentApiKey(row: ApiKeyRow) {
  return {
    id: row.id,
    name: row.name,
    permissions: row.permissions,
    prefix: row.prefix,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
