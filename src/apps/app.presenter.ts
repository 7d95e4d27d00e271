/** An app as the API shows it: never its secret digest. */
import { Type } from 'typebox';
import type { AppRow } from '../db/schema.js';
import { component, Timestamp, Uuid } from '../http/schemas.js';

/** A host application as the API shows it. */
export const AppComponent = component(
  'App',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    name: Type.String(),
    type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
    clientId: Type.String(),
    redirectUris: Type.Array(Type.String()),
    postLogoutRedirectUris: Type.Array(Type.String()),
    allowedOrigins: Type.Array(Type.String()),
    initiateLoginUri: Type.Union([Type.String(), Type.Null()]),
    firstParty: Type.Boolean(),
    secretRotatedAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
);
export const AppSchema = AppComponent.ref;

/** An app with its secret: the create answer (confidential apps) and the rotate answer, and nowhere else. */
export const AppWithSecretComponent = component(
  'AppWithSecret',
  Type.Intersect([AppComponent.ref, Type.Object({ clientSecret: Type.Optional(Type.String()) })]),
);
export const AppWithSecretSchema = AppWithSecretComponent.ref;

export function presentApp(row: AppRow) {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    type: row.type,
    clientId: row.client_id,
    redirectUris: row.redirect_uris,
    postLogoutRedirectUris: row.post_logout_redirect_uris,
    allowedOrigins: row.allowed_origins,
    initiateLoginUri: row.initiate_login_uri,
    firstParty: row.first_party,
    secretRotatedAt: row.secret_rotated_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
