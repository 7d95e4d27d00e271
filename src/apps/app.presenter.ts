/** An app as the API shows it: never its secret digest. */
import type { AppRow } from '../db/schema.js';

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
