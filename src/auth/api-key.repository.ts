/**
 * The API-key look-up behind `Authorization: Bearer`: the key of a secret's digest, and the
 * throttled record of its last use. Creating, listing and revoking keys belong to orgs/.
 */
import type { Kysely } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB } from '../db/schema.js';

/** The key whose secret has this SHA-256 digest, revoked or not; undefined when none. */
export async function findApiKeyBySecretHash(db: Kysely<DB>, secretHash: string) {
  // Every API request runs this: a prepared statement.
  const query = db.selectFrom('api_keys').select(['id', 'org_id', 'name', 'permissions', 'revoked_at', 'last_used_at']).where('secret_hash', '=', secretHash);
  const [key] = (await db.executeQuery(prepared(query))).rows;
  return key;
}

export async function touchApiKey(db: Kysely<DB>, keyId: string, now: Date): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', keyId).execute();
}
