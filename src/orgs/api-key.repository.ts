/**
 * The api_keys table's writes and the console's list of an org's keys. The look-up of a key by
 * its secret, for authentication, is the kernel's (auth/api-key.repository.ts).
 */
import type { Kysely } from 'kysely';
import type { ApiKeyRow, DB } from '../db/schema.js';

export interface NewApiKey {
  orgId: string;
  name: string;
  permissions: readonly string[];
  prefix: string;
  secretHash: string;
  createdBy: string | null;
}

export async function insertApiKey(db: Kysely<DB>, key: NewApiKey, now: Date): Promise<ApiKeyRow> {
  return db
    .insertInto('api_keys')
    .values({
      org_id: key.orgId,
      name: key.name,
      permissions: JSON.stringify(key.permissions),
      prefix: key.prefix,
      secret_hash: key.secretHash,
      created_by: key.createdBy,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The user who created the key (null when unknown or deleted); undefined when there is no such key. */
export async function findApiKeyCreator(db: Kysely<DB>, keyId: string): Promise<string | null | undefined> {
  return (await db.selectFrom('api_keys').select('created_by').where('id', '=', keyId).executeTakeFirst())?.created_by;
}

export async function listOrgApiKeys(db: Kysely<DB>, orgId: string): Promise<ApiKeyRow[]> {
  return db.selectFrom('api_keys').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
}

/** Marks the org's key revoked (an already revoked key keeps its time); false when the org has no such key. */
export async function revokeOrgApiKey(db: Kysely<DB>, orgId: string, keyId: string, now: Date): Promise<boolean> {
  const key = await db
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
    .where('org_id', '=', orgId)
    .where('id', '=', keyId)
    .returning('id')
    .executeTakeFirst();
  return key !== undefined;
}
