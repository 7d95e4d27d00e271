/**
 * The `apps` table (host applications, docs/architecture.md): plain queries taking `db` or `trx`
 * first. The one writer of `apps`; the OpenID provider and invitations read through it.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppRow, AppType, DB } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface AppFields {
  name: string;
  type: AppType;
  redirectUris: readonly string[];
  postLogoutRedirectUris: readonly string[];
  allowedOrigins: readonly string[];
  initiateLoginUri: string | null;
  firstParty: boolean;
}

export async function insertApp(
  db: Db,
  orgId: string,
  app: AppFields & { clientId: string; clientSecretHash: string | null },
): Promise<AppRow> {
  return db
    .insertInto('apps')
    .values({
      org_id: orgId,
      name: app.name,
      type: app.type,
      client_id: app.clientId,
      client_secret_hash: app.clientSecretHash,
      redirect_uris: JSON.stringify(app.redirectUris),
      post_logout_redirect_uris: JSON.stringify(app.postLogoutRedirectUris),
      allowed_origins: JSON.stringify(app.allowedOrigins),
      initiate_login_uri: app.initiateLoginUri,
      first_party: app.firstParty,
      updated_at: new Date(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The org's app with this id, or undefined (an app of another org is not found). */
export async function findApp(db: Db, orgId: string, appId: string): Promise<AppRow | undefined> {
  return db.selectFrom('apps').selectAll().where('org_id', '=', orgId).where('id', '=', appId).executeTakeFirst();
}

/** The app with this OAuth client id, whatever its org, or undefined. */
export async function findAppByClientId(db: Db, clientId: string): Promise<AppRow | undefined> {
  return db.selectFrom('apps').selectAll().where('client_id', '=', clientId).executeTakeFirst();
}

/** The org's apps, oldest first. */
export async function listApps(db: Db, orgId: string): Promise<AppRow[]> {
  return db.selectFrom('apps').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
}

/** Applies the changed fields; the updated row, or undefined when the org has no such app. */
export async function updateApp(
  db: Db,
  orgId: string,
  appId: string,
  changes: Partial<AppFields> & { clientSecretHash?: string; secretRotatedAt?: Date },
  now: Date,
): Promise<AppRow | undefined> {
  return db
    .updateTable('apps')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.redirectUris !== undefined ? { redirect_uris: JSON.stringify(changes.redirectUris) } : {}),
      ...(changes.postLogoutRedirectUris !== undefined
        ? { post_logout_redirect_uris: JSON.stringify(changes.postLogoutRedirectUris) }
        : {}),
      ...(changes.allowedOrigins !== undefined ? { allowed_origins: JSON.stringify(changes.allowedOrigins) } : {}),
      ...(changes.initiateLoginUri !== undefined ? { initiate_login_uri: changes.initiateLoginUri } : {}),
      ...(changes.firstParty !== undefined ? { first_party: changes.firstParty } : {}),
      ...(changes.clientSecretHash !== undefined ? { client_secret_hash: changes.clientSecretHash } : {}),
      ...(changes.secretRotatedAt !== undefined ? { secret_rotated_at: changes.secretRotatedAt } : {}),
      updated_at: now,
    })
    .where('org_id', '=', orgId)
    .where('id', '=', appId)
    .returningAll()
    .executeTakeFirst();
}

/** Whether a row was deleted. */
export async function deleteApp(db: Db, orgId: string, appId: string): Promise<boolean> {
  const result = await db.deleteFrom('apps').where('org_id', '=', orgId).where('id', '=', appId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
