/**
 * Reads of the users table shared by accounts, sessions and invitations. Emails are stored
 * canonical (auth/email.ts parseEmail), so callers pass the canonical form.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB, UserRow } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findUserByEmail(db: Db, canonicalEmail: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', canonicalEmail).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The user-first flow's `invited` records (no password, unverified) for emails without an
 * account. An email that gained an account meanwhile is skipped: only the rows written return.
 */
export async function insertInvitedUsers(
  db: Db,
  users: readonly { email: string; firstName: string; lastName: string }[],
  now: Date,
): Promise<{ id: string; email: string }[]> {
  if (users.length === 0) return [];
  return db
    .insertInto('users')
    .values(
      users.map((user) => ({
        email: user.email,
        first_name: user.firstName,
        last_name: user.lastName,
        password_hash: null,
        status: 'invited' as const,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.column('email').doNothing())
    .returning(['id', 'email'])
    .execute();
}

/**
 * Registration from an invitation: the email's `invited` record becomes an active account
 * (`activated`), or a new active account is written when the email has none. Null when an
 * account that is not `invited` holds the email, or a concurrent registration wrote one first.
 * The user row is locked, so two registrations of one email give one account.
 */
export async function activateInvitedUser(
  trx: Transaction<DB>,
  email: string,
  account: { firstName: string; lastName: string; passwordHash: string; now: Date },
): Promise<{ user: UserRow; activated: boolean } | null> {
  const values = {
    first_name: account.firstName,
    last_name: account.lastName,
    password_hash: account.passwordHash,
    status: 'active' as const,
    email_verified_at: account.now,
    terms_accepted_at: account.now,
    updated_at: account.now,
  };
  const existing = await trx.selectFrom('users').selectAll().where('email', '=', email).forUpdate().executeTakeFirst();
  if (existing === undefined) {
    const inserted = await trx
      .insertInto('users')
      .values({ email, created_at: account.now, ...values })
      .onConflict((oc) => oc.column('email').doNothing())
      .returningAll()
      .executeTakeFirst();
    return inserted === undefined ? null : { user: inserted, activated: false };
  }
  if (existing.status !== 'invited') return null;
  const user = await trx.updateTable('users').set(values).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
  return { user, activated: true };
}

/** Whether any user record exists (a fresh instance has none). */
export async function anyUserExists(db: Db): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}
