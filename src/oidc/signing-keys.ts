/**
 * The provider's signing keys (docs/rules.md R52): RS256 key pairs generated with node:crypto
 * on first start (never development keys), stored with their private parts encrypted under a key
 * derived from SECRET_KEY. `gatehouse keys rotate` adds a new current key; a superseded key
 * stays published in the JWKS for KEY_RETENTION_MS, longer than any token it signed lives, so
 * those tokens keep verifying. A SECRET_KEY that cannot decrypt the stored keys is a
 * configuration error: the process stops rather than mint keys the other instances do not know.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DAY } from '../clock.js';
import { ConfigError } from '../config.js';
import type { DB, JsonObject } from '../db/schema.js';
import { decrypt, deriveKey, encrypt } from './secret-key.js';
import { insertSigningKey, listSigningKeys, lockSigningKeys, supersedeOtherKeys } from './signing-key.repository.js';

export const SIGNING_ALG = 'RS256';
/** How long a superseded key stays published: longer than the longest-lived signed token (ID tokens, 1 hour). */
export const KEY_RETENTION_MS = DAY;
const KEY_LABEL = 'oidc signing keys';

export type PrivateJwk = JsonObject & { kid: string; alg: string };

function newKey(secret: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: SIGNING_ALG, use: 'sig' } as JsonObject;
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: SIGNING_ALG, use: 'sig' } as JsonObject;
  return { kid, alg: SIGNING_ALG, publicJwk, privateJwkEncrypted: encrypt(deriveKey(secret, KEY_LABEL), JSON.stringify(privateJwk)) };
}

function unseal(secret: string, rows: readonly { kid: string; private_jwk_encrypted: string }[]): PrivateJwk[] {
  const key = deriveKey(secret, KEY_LABEL);
  return rows.map((row) => {
    const plain = decrypt(key, row.private_jwk_encrypted);
    if (plain === null) {
      throw new ConfigError('SECRET_KEY', `the key the stored OpenID signing keys were encrypted with (this one cannot decrypt key ${row.kid})`);
    }
    return JSON.parse(plain) as PrivateJwk;
  });
}

/** The published keys, the current (signing) one first; generates the first key on an empty table. */
export async function loadSigningKeys(db: Kysely<DB>, secret: string, now: Date): Promise<PrivateJwk[]> {
  const since = new Date(now.getTime() - KEY_RETENTION_MS);
  const existing = await listSigningKeys(db, since);
  if (existing.length > 0) return unseal(secret, existing);
  return db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    const again = await listSigningKeys(trx, since);
    if (again.length > 0) return unseal(secret, again);
    await insertSigningKey(trx, newKey(secret), now);
    return unseal(secret, await listSigningKeys(trx, since));
  });
}

/** `gatehouse keys rotate`: a new current key; the others are superseded now. Returns the new kid. */
export async function rotateSigningKey(db: Kysely<DB>, secret: string, now: Date): Promise<string> {
  return db.transaction().execute(async (trx) => {
    await lockSigningKeys(trx);
    // The stored keys must be readable with this SECRET_KEY before another is added.
    unseal(secret, await listSigningKeys(trx, new Date(now.getTime() - KEY_RETENTION_MS)));
    const key = newKey(secret);
    await insertSigningKey(trx, key, now);
    await supersedeOtherKeys(trx, key.kid, now);
    return key.kid;
  });
}
