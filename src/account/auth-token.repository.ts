/**
 * One-time links (email verification, password reset, first-admin setup): a 256-bit token in
 * the link, only its SHA-256 digest in `auth_tokens`. A token is consumed at most once: the
 * consuming UPDATE matches only an unused, unexpired row, so two concurrent uses of one link
 * yield one success.
 */
import type { Kysely, Transaction } from 'kysely';
import { HOUR } from '../clock.js';
import type { AuthTokenPurpose, DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { randomToken, sha256 } from '../auth/crypto.js';

type Db = Kysely<DB> | Transaction<DB>;

export const TOKEN_LIFETIME_MS: Record<AuthTokenPurpose, number> = {
  verify_email: HOUR,
  password_reset: HOUR,
  setup: 24 * HOUR,
};

/** Creates a token; returns the secret for the link (never stored). */
export async function createAuthToken(
  db: Db,
  input: { userId: string | null; purpose: AuthTokenPurpose },
  now: Date,
): Promise<string> {
  const token = randomToken();
  await db
    .insertInto('auth_tokens')
    .values({
      user_id: input.userId,
      purpose: input.purpose,
      token_hash: sha256(token),
      expires_at: new Date(now.getTime() + TOKEN_LIFETIME_MS[input.purpose]),
    })
    .execute();
  return token;
}

/** Marks the user's unused tokens of `purpose` used, so only the newest link works. */
export async function retireAuthTokens(trx: Transaction<DB>, userId: string, purpose: AuthTokenPurpose, now: Date): Promise<void> {
  await trx
    .updateTable('auth_tokens')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
}

/** Whether a token of `purpose` is live now (a cheap look before slow work; not a consumption). */
export async function liveAuthToken(db: Db, token: string, purpose: AuthTokenPurpose, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('auth_tokens')
    .select('id')
    .where('token_hash', '=', sha256(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Consumes a live token of `purpose`; 400 INVALID_TOKEN when it is unknown, used, expired or
 * of another purpose (one answer for all, so a link reveals nothing about why it failed).
 */
export async function consumeAuthToken(
  trx: Transaction<DB>,
  token: string,
  purpose: AuthTokenPurpose,
  now: Date,
): Promise<{ userId: string | null }> {
  const row = await trx
    .updateTable('auth_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', sha256(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['user_id'])
    .executeTakeFirst();
  if (row === undefined) throw new AppError('INVALID_TOKEN', { details: [{ path: 'token', message: 'is not valid or has expired' }] });
  return { userId: row.user_id };
}

/** Links of `purpose` made for the user that have not expired yet, used or not. */
export async function countUnexpiredAuthTokens(trx: Transaction<DB>, userId: string, purpose: AuthTokenPurpose, now: Date): Promise<number> {
  const row = await trx
    .selectFrom('auth_tokens')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('expires_at', '>', now)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Deletes every token of `purpose` (the setup links, once the first admin exists). */
export async function deleteAuthTokens(trx: Transaction<DB>, purpose: AuthTokenPurpose): Promise<void> {
  await trx.deleteFrom('auth_tokens').where('purpose', '=', purpose).execute();
}
