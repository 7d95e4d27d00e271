/** The `oidc_signing_keys` table (docs/architecture.md): the provider's signing keys. */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB, JsonObject } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

/** The keys still published: the current ones and those superseded after `since`; current first, then newest first. */
export async function listSigningKeys(db: Db, since: Date) {
  return db
    .selectFrom('oidc_signing_keys')
    .selectAll()
    .where((eb) => eb.or([eb('superseded_at', 'is', null), eb('superseded_at', '>', since)]))
    .orderBy(sql`superseded_at is not null`)
    .orderBy('created_at', 'desc')
    .orderBy('kid', 'desc')
    .execute();
}

/** Serializes key creation between instances starting at once (released at commit). */
export async function lockSigningKeys(trx: Transaction<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext('gatehouse.oidc_signing_keys'))`.execute(trx);
}

export async function insertSigningKey(
  db: Db,
  key: { kid: string; alg: string; publicJwk: JsonObject; privateJwkEncrypted: string },
  now: Date,
): Promise<void> {
  await db
    .insertInto('oidc_signing_keys')
    .values({ kid: key.kid, alg: key.alg, public_jwk: JSON.stringify(key.publicJwk), private_jwk_encrypted: key.privateJwkEncrypted, created_at: now })
    .execute();
}

/** Marks every current key but `kid` superseded at `now`. */
export async function supersedeOtherKeys(db: Db, kid: string, now: Date): Promise<void> {
  await db.updateTable('oidc_signing_keys').set({ superseded_at: now }).where('superseded_at', 'is', null).where('kid', '!=', kid).execute();
}
