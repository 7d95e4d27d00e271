/**
 * Sessions: the cookie holds a 256-bit random token; the table holds its SHA-256 digest, an
 * idle expiry that slides with use, and an absolute expiry that does not.
 */
import type { Kysely, Transaction } from 'kysely';
import { DAY, MINUTE } from '../clock.js';
import type { DB, UserRow } from '../db/schema.js';
import { randomToken, sha256 } from './crypto.js';

export const SESSION_IDLE_MS = 14 * DAY;
export const SESSION_ABSOLUTE_MS = 90 * DAY;
/** last_seen_at is written at most this often, to keep reads from turning into writes. */
const TOUCH_EVERY_MS = 5 * MINUTE;

export interface SessionMeta {
  ip: string | null;
  userAgent: string | null;
}

export async function createSession(
  db: Kysely<DB> | Transaction<DB>,
  userId: string,
  now: Date,
  meta: SessionMeta,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + SESSION_ABSOLUTE_MS);
  await db
    .insertInto('sessions')
    .values({
      user_id: userId,
      token_hash: sha256(token),
      last_seen_at: now,
      idle_expires_at: new Date(now.getTime() + SESSION_IDLE_MS),
      expires_at: expiresAt,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 400) ?? null,
    })
    .execute();
  return { token, expiresAt };
}

/** The live session's user for a cookie token, sliding its idle expiry; null when none. */
export async function resolveSession(
  db: Kysely<DB>,
  token: string,
  now: Date,
): Promise<{ sessionId: string; user: UserRow } | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(['s.id as session_id', 's.last_seen_at', 's.idle_expires_at', 's.expires_at'])
    .where('s.token_hash', '=', sha256(token))
    .executeTakeFirst();
  if (row === undefined) return null;
  if (row.idle_expires_at <= now || row.expires_at <= now || row.status !== 'active') {
    await db.deleteFrom('sessions').where('id', '=', row.session_id).execute();
    return null;
  }
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: now, idle_expires_at: new Date(now.getTime() + SESSION_IDLE_MS) })
      .where('id', '=', row.session_id)
      .execute();
  }
  const { session_id: sessionId, last_seen_at, idle_expires_at, expires_at, ...user } = row;
  return { sessionId, user };
}

export async function deleteSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Ends every session of the user except `keepSessionId` (the one making the request, if any). */
export async function deleteUserSessions(db: Kysely<DB> | Transaction<DB>, userId: string, keepSessionId: string | null = null): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepSessionId !== null) query = query.where('id', '!=', keepSessionId);
  await query.execute();
}
