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
