/**
 * The users table: every read and write of it. Emails are stored canonical (auth/email.ts
 * parseEmail), so callers pass the canonical form. Accounts (sign-up, verification, reset,
 * setup, deletion) and invitations (the user-first create, registration) both go through here.
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

export async function findUsersByEmails(db: Db, canonicalEmails: readonly string[]): Promise<UserRow[]> {
  if (canonicalEmails.length === 0) return [];
  return db.selectFrom('users').selectAll().where('email', 'in', canonicalEmails).execute();
}

export async function lockUserByEmail(trx: Transaction<DB>, canonicalEmail: string): Promise<UserRow | undefined> {
  return trx.selectFrom('users').selectAll().where('email', '=', canonicalEmail).forUpdate().executeTakeFirst();
}

export async function lockUserById(trx: Transaction<DB>, id: string): Promise<UserRow | undefined> {
  return trx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function anyUserExists(db: Db): Promise<boolean> {
  return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export async function instanceAdminExists(db: Db): Promise<boolean> {
  return (await db.selectFrom('users').select('id').where('is_instance_admin', '=', true).limit(1).executeTakeFirst()) !== undefined;
}

export interface InvitedUser {
  email: string;
  firstName: string;
  lastName: string;
}

/**
 * Creates `invited` accounts (no password, unverified) for the emails that have none; an email
 * that already has an account (or gets one concurrently) is skipped. Returns the rows created.
 */
export async function createInvitedUsers(db: Db, users: readonly InvitedUser[], now: Date): Promise<UserRow[]> {
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
    .returningAll()
    .execute();
}

/** The credential and details an account gets when it becomes active. */
export interface Activation {
  passwordHash: string;
  emailVerifiedAt: Date;
  /** Left as they are when absent. */
  firstName?: string;
  lastName?: string;
  termsAcceptedAt?: Date;
}

function activationValues(activation: Activation, now: Date) {
  return {
    status: 'active' as const,
    password_hash: activation.passwordHash,
    email_verified_at: activation.emailVerifiedAt,
    ...(activation.firstName === undefined ? {} : { first_name: activation.firstName }),
    ...(activation.lastName === undefined ? {} : { last_name: activation.lastName }),
    ...(activation.termsAcceptedAt === undefined ? {} : { terms_accepted_at: activation.termsAcceptedAt }),
    updated_at: now,
  };
}

/** Makes an `invited` account (locked by the caller) active with its credential. */
export async function activateInvitedUser(trx: Transaction<DB>, userId: string, activation: Activation, now: Date): Promise<UserRow> {
  return trx.updateTable('users').set(activationValues(activation, now)).where('id', '=', userId).returningAll().executeTakeFirstOrThrow();
}

/**
 * Creates an active account with its credential; undefined when the email has an account
 * already (a concurrent registration won the unique email).
 */
export async function createActiveUser(
  trx: Transaction<DB>,
  email: string,
  activation: Activation & { firstName: string; lastName: string; isInstanceAdmin?: boolean },
  now: Date,
): Promise<UserRow | undefined> {
  return trx
    .insertInto('users')
    .values({
      email,
      created_at: now,
      ...activationValues(activation, now),
      first_name: activation.firstName,
      last_name: activation.lastName,
      ...(activation.isInstanceAdmin === true ? { is_instance_admin: true } : {}),
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Makes an existing account an active instance admin with this credential (names kept when empty). */
export async function promoteToInstanceAdmin(trx: Transaction<DB>, userId: string, activation: Activation, now: Date): Promise<UserRow> {
  return trx
    .updateTable('users')
    .set({ ...activationValues(activation, now), is_instance_admin: true })
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function setUserPassword(trx: Transaction<DB>, userId: string, passwordHash: string, now: Date): Promise<UserRow> {
  return trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', userId).returningAll().executeTakeFirstOrThrow();
}

/** Sets an account's status (disabling and enabling it, docs/rules.md R57). */
export async function setUserStatus(trx: Transaction<DB>, userId: string, status: 'active' | 'disabled', now: Date): Promise<UserRow> {
  return trx.updateTable('users').set({ status, updated_at: now }).where('id', '=', userId).returningAll().executeTakeFirstOrThrow();
}

/** Deletes the account; its grants and sessions go with it (foreign-key cascades). */
export async function deleteUser(trx: Transaction<DB>, userId: string): Promise<void> {
  await trx.deleteFrom('users').where('id', '=', userId).execute();
}
