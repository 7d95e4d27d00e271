/**
 * Accounts beyond sign-in: self-service sign-up with email verification, password reset,
 * account deletion, the first-admin setup link and `gatehouse admin create`.
 *
 * One-time links are 256-bit tokens, stored digested in `auth_tokens`, single use, 1 hour (24 h
 * for setup). Their emails are queued in the outbox in the transaction that creates the token.
 * Neither sign-up nor password reset tells the caller whether an account exists: both answer
 * before they look the address up, and do the rest after the answer.
 */
import type { Kysely } from 'kysely';
import { sha256 } from '../auth/crypto.js';
import { parseEmail } from '../auth/email.js';
import { assertPasswordPolicy, burnPasswordCheck, hashPassword, verifyPassword } from '../auth/password.js';
import { createSession, deleteUserSessions, type SessionMeta } from '../auth/session.repository.js';
import { displayName } from '../auth/user.presenter.js';
import {
  activateInvitedUser,
  anyUserExists,
  createActiveUser,
  createInvitedUsers,
  deleteUser,
  findUserByEmail,
  findUserById,
  instanceAdminExists,
  lockUserByEmail,
  lockUserById,
  promoteToInstanceAdmin,
  setUserPassword,
} from '../auth/user.repository.js';
import type { AppContext } from '../context.js';
import type { DB, UserRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent, relabelUserActor, SYSTEM_ACTOR } from '../events/event.repository.js';
import { relabelUserInviter } from '../invitations/invitation.repository.js';
import { enqueueEmail } from '../mail/outbox.js';
import { lockOwners } from '../orgs/grant.repository.js';
import { listUserGrants, lockSetup } from './account.repository.js';
import {
  consumeAuthToken,
  countUnexpiredAuthTokens,
  createAuthToken,
  deleteAuthTokens,
  liveAuthToken,
  retireAuthTokens,
} from './auth-token.repository.js';

/** How the audit trail names the actor of a deleted account. */
export const DELETED_USER_LABEL = 'Deleted user';

export interface NewAccount {
  email: string;
  password: string;
  firstName: string;
  lastName: string;
}

function accountActor(user: Pick<UserRow, 'id' | 'first_name' | 'last_name' | 'email'>) {
  return { type: 'user' as const, id: user.id, label: displayName(user) };
}

/** Verification emails per address per hour (each sign-up of a pending address sends one). */
export const VERIFY_EMAILS_PER_HOUR = 3;

/**
 * Sign-up (ALLOW_SIGNUP=true only), the part that runs before the answer: input checks only,
 * so the answer (202 or a 4xx about the input) is the same whether or not the address has an
 * account. Returns the canonical email for `completeSignUp`, which runs after the answer.
 * The password is checked against the policy for the form's sake and then dropped: the
 * credential is the one chosen when the link is used (see `verifyEmail`).
 */
export function checkSignUp(ctx: AppContext, input: NewAccount): string {
  if (!ctx.config.allowSignup) throw new AppError('SIGNUP_DISABLED');
  const email = parseEmail(input.email);
  assertPasswordPolicy(input.password);
  return email;
}

/**
 * Sign-up after the answer. A new email gets an unverified account (status `invited`, no
 * password) and a verification link. An active or disabled account gets nothing. A pending
 * (`invited`) account is left as it is (no password, name or earlier link of it changes: an
 * unauthenticated caller cannot alter what another person is about to verify) and gets one
 * more link, up to VERIFY_EMAILS_PER_HOUR per address.
 */
export async function completeSignUp(ctx: AppContext, email: string, input: Pick<NewAccount, 'firstName' | 'lastName'>): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const [inserted] = await createInvitedUsers(trx, [{ email, firstName: input.firstName.trim(), lastName: input.lastName.trim() }], now);
    const user = inserted ?? (await lockUserByEmail(trx, email));
    if (user?.status !== 'invited') return;
    // A link lives an hour: the unexpired ones, used or not, are the ones sent in the last hour.
    if ((await countUnexpiredAuthTokens(trx, user.id, 'verify_email', now)) >= VERIFY_EMAILS_PER_HOUR) return;
    const token = await createAuthToken(trx, { userId: user.id, purpose: 'verify_email' }, now);
    await enqueueEmail(trx, { to: email, orgId: null, template: 'verify_email', data: { link: `${ctx.config.publicUrl}/verify-email/${token}` } }, now);
    if (inserted !== undefined) {
      await appendEvent(trx, { type: 'user.registered', orgId: null, actor: accountActor(user), userId: user.id, data: { via: 'sign_up' }, occurredAt: now });
    }
  });
}

const INVALID_LINK = () => new AppError('INVALID_TOKEN', { details: [{ path: 'token', message: 'is not valid or has expired' }] });

/**
 * Consumes a verification link: the password given with it becomes the account's credential
 * (whoever proves the mailbox chooses it; nothing set at sign-up survives), the account becomes
 * active and verified, its other verification links die, and it is signed in. Only a pending
 * (`invited`) account can be verified: a link is no way to change an active account's password.
 */
export async function verifyEmail(
  ctx: AppContext,
  input: { token: string; password: string },
  meta: SessionMeta,
): Promise<{ user: UserRow; token: string; expiresAt: Date }> {
  assertPasswordPolicy(input.password);
  const now = ctx.clock.now();
  // A dead link costs no hashing; the link is consumed (and checked again) in the transaction.
  if (!(await liveAuthToken(ctx.db, input.token, 'verify_email', now))) throw INVALID_LINK();
  const passwordHash = await hashPassword(input.password, ctx.scryptCost, `link:${sha256(input.token)}`);
  return ctx.db.transaction().execute(async (trx) => {
    const { userId } = await consumeAuthToken(trx, input.token, 'verify_email', now);
    const user = userId === null ? undefined : await lockUserById(trx, userId);
    if (user === undefined) throw INVALID_LINK();
    if (user.status === 'disabled') throw new AppError('ACCOUNT_DISABLED');
    if (user.status !== 'invited') throw INVALID_LINK();
    await retireAuthTokens(trx, user.id, 'verify_email', now);
    const verified = await activateInvitedUser(trx, user.id, { passwordHash, emailVerifiedAt: user.email_verified_at ?? now }, now);
    await appendEvent(trx, { type: 'user.verified', orgId: null, actor: accountActor(user), userId: user.id, occurredAt: now });
    const session = await createSession(trx, user.id, now, meta);
    return { user: verified, ...session };
  });
}

/**
 * Password reset after the answer: queues a reset link when an active account has this
 * (canonical) email; silent otherwise. The route answers 202 before calling it, so the answer
 * takes the same time either way.
 */
export async function requestPasswordReset(ctx: AppContext, email: string): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const user = await findUserByEmail(trx, email);
    if (user?.status !== 'active') return;
    await retireAuthTokens(trx, user.id, 'password_reset', now);
    const token = await createAuthToken(trx, { userId: user.id, purpose: 'password_reset' }, now);
    await enqueueEmail(
      trx,
      { to: email, orgId: null, template: 'password_reset', data: { firstName: user.first_name, link: `${ctx.config.publicUrl}/reset-password/${token}` } },
      now,
    );
  });
}

/**
 * Sets a new password from a reset link and ends every session of the account except the one
 * making the request (if it is that account's).
 */
export async function confirmPasswordReset(
  ctx: AppContext,
  input: { token: string; password: string },
  currentSessionId: string | null,
): Promise<UserRow> {
  assertPasswordPolicy(input.password);
  const now = ctx.clock.now();
  if (!(await liveAuthToken(ctx.db, input.token, 'password_reset', now))) throw INVALID_LINK();
  const passwordHash = await hashPassword(input.password, ctx.scryptCost, `link:${sha256(input.token)}`);
  return ctx.db.transaction().execute(async (trx) => {
    const { userId } = await consumeAuthToken(trx, input.token, 'password_reset', now);
    const user = userId === null ? undefined : await findUserById(trx, userId);
    if (user?.status !== 'active') throw new AppError('INVALID_TOKEN', { details: [{ path: 'token', message: 'is not valid or has expired' }] });
    await deleteUserSessions(trx, user.id, currentSessionId);
    return setUserPassword(trx, user.id, passwordHash, now);
  });
}

/**
 * Deletes the account after checking its password (403 PASSWORD_INCORRECT; the route limits
 * how often an account may try). Its grants and
 * sessions go with the row (foreign-key cascades); people and invitations keep their rows
 * with the link cleared. The audit trail keeps its events with the actor anonymised: the id
 * stays (random, not personal), the name becomes DELETED_USER_LABEL. A last org-wide owner
 * cannot leave an org ownerless: 409 LAST_OWNER until they hand ownership on.
 */
export async function deleteAccount(ctx: AppContext, userId: string, password: string): Promise<void> {
  const user = await findUserById(ctx.db, userId);
  const requester = `user:${userId}`;
  const valid =
    user?.password_hash == null ? await burnPasswordCheck(password, ctx.scryptCost, requester) : await verifyPassword(password, user.password_hash, requester);
  if (user === undefined || !valid) throw new AppError('PASSWORD_INCORRECT');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const grants = await listUserGrants(trx, userId);
    const ownedOrgs = grants.filter((grant) => grant.resource_id === null && grant.role === 'owner').map((grant) => grant.org_id);
    for (const orgId of ownedOrgs) {
      const owners = await lockOwners(trx, orgId);
      if (owners.length <= 1) throw new AppError('LAST_OWNER', { details: [{ path: 'orgId', message: orgId }] });
    }
    const anonymous = { type: 'user' as const, id: userId, label: DELETED_USER_LABEL };
    await relabelUserActor(trx, userId, DELETED_USER_LABEL);
    await relabelUserInviter(trx, userId, DELETED_USER_LABEL);
    const orgIds = [...new Set(grants.map((grant) => grant.org_id))];
    for (const grant of grants) {
      await appendEvent(trx, {
        type: 'membership.removed',
        orgId: grant.org_id,
        actor: anonymous,
        userId,
        data: { role: grant.role, resourceId: grant.resource_id, reason: 'account_deleted' },
        occurredAt: now,
      });
    }
    for (const orgId of orgIds.length === 0 ? [null] : orgIds) {
      await appendEvent(trx, { type: 'user.deleted', orgId, actor: anonymous, userId, occurredAt: now });
    }
    await ctx.accessHooks.removed(trx, { userId, orgIds, reason: 'account_deleted', actor: anonymous }, now);
    await deleteUser(trx, userId);
  });
}

/**
 * On a database without users, creates a setup token (24 h) and returns the link that lets the
 * first instance admin sign up; null when there are users already. `gatehouse serve` logs it.
 */
export async function ensureSetupLink(ctx: AppContext): Promise<string | null> {
  if (await anyUserExists(ctx.db)) return null;
  const token = await createAuthToken(ctx.db, { userId: null, purpose: 'setup' }, ctx.clock.now());
  return `${ctx.config.publicUrl}/setup/${token}`;
}

/**
 * Creates the first instance admin from a setup link and signs them in. Serialised on an
 * advisory lock so two setup links used at once still make exactly one first admin.
 */
export async function completeSetup(
  ctx: AppContext,
  input: NewAccount & { token: string },
  meta: SessionMeta,
): Promise<{ user: UserRow; token: string; expiresAt: Date }> {
  const email = parseEmail(input.email);
  assertPasswordPolicy(input.password);
  const now = ctx.clock.now();
  // Cheap refusals before the hashing; both are checked again under the lock.
  if (await instanceAdminExists(ctx.db)) throw new AppError('SETUP_ALREADY_DONE');
  if (!(await liveAuthToken(ctx.db, input.token, 'setup', now))) throw INVALID_LINK();
  const passwordHash = await hashPassword(input.password, ctx.scryptCost, `ip:${meta.ip ?? ''}`);
  return ctx.db.transaction().execute(async (trx) => {
    await lockSetup(trx);
    if (await instanceAdminExists(trx)) throw new AppError('SETUP_ALREADY_DONE');
    await consumeAuthToken(trx, input.token, 'setup', now);
    if ((await findUserByEmail(trx, email)) !== undefined) throw new AppError('EMAIL_TAKEN');
    const user = await insertAdmin(trx, { ...input, email, passwordHash }, now);
    await deleteAuthTokens(trx, 'setup');
    await appendEvent(trx, { type: 'user.registered', orgId: null, actor: SYSTEM_ACTOR, userId: user.id, data: { via: 'setup' }, occurredAt: now });
    const session = await createSession(trx, user.id, now, meta);
    return { user, ...session };
  });
}

async function insertAdmin(
  trx: Parameters<typeof createActiveUser>[0],
  input: { email: string; firstName: string; lastName: string; passwordHash: string },
  now: Date,
): Promise<UserRow> {
  const activation = { passwordHash: input.passwordHash, emailVerifiedAt: now, firstName: input.firstName.trim(), lastName: input.lastName.trim(), isInstanceAdmin: true };
  const user = await createActiveUser(trx, input.email, activation, now);
  // The callers looked the email up in this transaction and found no account.
  if (user === undefined) throw new AppError('EMAIL_TAKEN');
  return user;
}

/**
 * `gatehouse admin create`: an active, verified instance admin. An existing account with that
 * email is promoted (made an active instance admin) and given the new password: the operator
 * has the database anyway. Throws AppError INVALID_EMAIL / PASSWORD_TOO_SHORT / _LONG.
 */
export async function createInstanceAdmin(
  db: Kysely<DB>,
  input: NewAccount,
  options: { scryptCost: number; now: Date },
): Promise<{ user: UserRow; created: boolean }> {
  const email = parseEmail(input.email);
  assertPasswordPolicy(input.password);
  const passwordHash = await hashPassword(input.password, options.scryptCost);
  const now = options.now;
  return db.transaction().execute(async (trx) => {
    const existing = await findUserByEmail(trx, email);
    if (existing === undefined) {
      const user = await insertAdmin(trx, { ...input, email, passwordHash }, now);
      await appendEvent(trx, { type: 'user.registered', orgId: null, actor: SYSTEM_ACTOR, userId: user.id, data: { via: 'admin_create' }, occurredAt: now });
      return { user, created: true };
    }
    const user = await promoteToInstanceAdmin(
      trx,
      existing.id,
      {
        passwordHash,
        emailVerifiedAt: existing.email_verified_at ?? now,
        ...(input.firstName.trim() === '' ? {} : { firstName: input.firstName.trim() }),
        ...(input.lastName.trim() === '' ? {} : { lastName: input.lastName.trim() }),
      },
      now,
    );
    return { user, created: false };
  });
}
