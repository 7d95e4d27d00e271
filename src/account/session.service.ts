/**
 * Signing in and out. An unknown email and a wrong password give the same
 * INVALID_CREDENTIALS after the same amount of hashing work.
 *
 * Guessing is slowed without locking the owner out (OWASP's device cookies): a browser that has
 * signed in to an account holds a device cookie for it, and is held only to its own small
 * per-device limit; every other client shares the account's limit for untrusted clients. An
 * attacker who exhausts that limit keeps out other untrusted clients, not the owner's browser.
 * The cookie is an HMAC keyed with the account's password hash: unforgeable without the
 * database, and void for every browser once the password changes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomToken } from '../auth/crypto.js';
import { canonicalEmail } from '../auth/email.js';
import { burnPasswordCheck, verifyPassword } from '../auth/password.js';
import { createSession, type SessionMeta } from '../auth/session.repository.js';
import { findUserByEmail } from '../auth/user.repository.js';
import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError } from '../errors.js';

export interface SignInLimits {
  /** Throws 429 RATE_LIMITED when the key has used up its attempts. */
  untrustedPerAccount: (key: string) => void;
  perDevice: (key: string) => void;
}

function deviceMac(user: Pick<UserRow, 'id' | 'password_hash'>, nonce: string): string | null {
  if (user.password_hash === null) return null;
  return createHmac('sha256', user.password_hash).update(`gatehouse.device\0${user.id}\0${nonce}`).digest('base64url');
}

/** A new device cookie value for a browser that has just signed in to `user`. */
export function issueDeviceCookie(user: Pick<UserRow, 'id' | 'password_hash'>): string | null {
  const nonce = randomToken(16);
  const mac = deviceMac(user, nonce);
  return mac === null ? null : `${user.id}.${nonce}.${mac}`;
}

/** The device's nonce when `cookie` is a valid device cookie for `user`; null otherwise. */
export function trustedDevice(user: Pick<UserRow, 'id' | 'password_hash'>, cookie: string | null): string | null {
  const [id, nonce, mac, ...rest] = (cookie ?? '').split('.');
  if (id !== user.id || nonce === undefined || nonce === '' || mac === undefined || rest.length > 0) return null;
  const expected = deviceMac(user, nonce);
  if (expected === null) return null;
  const given = Buffer.from(mac);
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted) ? nonce : null;
}

export async function signIn(
  ctx: AppContext,
  input: { email: string; password: string },
  meta: SessionMeta,
  client: { deviceCookie: string | null; limits: SignInLimits },
): Promise<{ user: UserRow; token: string; expiresAt: Date; deviceCookie: string | null }> {
  const email = canonicalEmail(input.email);
  const user = await findUserByEmail(ctx.db, email);
  const device = user === undefined ? null : trustedDevice(user, client.deviceCookie);
  if (device === null) client.limits.untrustedPerAccount(email);
  else client.limits.perDevice(device);
  // The fair hashing queue keeps one source's burst behind its own earlier attempts.
  const requester = device === null ? `ip:${meta.ip ?? ''}` : `device:${device}`;
  const valid =
    user?.password_hash == null
      ? await burnPasswordCheck(input.password, ctx.scryptCost, requester)
      : await verifyPassword(input.password, user.password_hash, requester);
  if (user === undefined || !valid) throw new AppError('INVALID_CREDENTIALS');
  if (user.status === 'disabled') throw new AppError('ACCOUNT_DISABLED');
  if (user.status !== 'active') throw new AppError('INVALID_CREDENTIALS');
  const session = await createSession(ctx.db, user.id, ctx.clock.now(), meta);
  return { user, ...session, deviceCookie: issueDeviceCookie(user) };
}
