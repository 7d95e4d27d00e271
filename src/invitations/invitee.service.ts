/**
 * The invitee's side (the token is the credential): look up, accept, register, decline, ask
 * for renewal, and the link's GET/HEAD visit.
 *
 * Every consuming path locks the invitation by its token digest and checks expiry with the
 * injected clock first: an invitation past its time is expired there and then (row and
 * `invitation.expired` event), and that write is committed even though the answer is an
 * error, so the row never says "live" after a client was told "expired".
 */
import type { Transaction } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { assertPasswordPolicy, hashPassword } from '../auth/password.js';
import { assertGrantable, authorize } from '../auth/policy.js';
import { findRole } from '../orgs/role.repository.js';
import { createSession, type SessionMeta } from '../auth/session.repository.js';
import { displayName } from '../auth/user.presenter.js';
import { activateInvitedUser, createActiveUser, findUserByEmail, findUserById, lockUserByEmail } from '../auth/user.repository.js';
import type { AppContext } from '../context.js';
import type { DB, GrantRow, InvitationRow, UserRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent, type EventActor, SYSTEM_ACTOR } from '../events/event.repository.js';
import * as lifecycle from './invitation.lifecycle.js';
import {
  type EmailContext,
  findInvitationByTokenHash,
  findCustomRoles,
  findLiveOrgApiKey,
  loadEmailContext,
  lockInvitationByTokenHash,
} from './invitation.repository.js';
import { consumeRefusal } from '../common/invitation-states.js';
import { GATEHOUSE_PERMISSIONS, builtInRole } from '../auth/permissions.js';
import { findApp } from '../apps/app.repository.js';
import { issuerOf, nextUrl } from '../apps/app.landing.js';
import { looksLikeToken, tokenHash } from './invitation.token.js';

type Tx = Transaction<DB>;

/**
 * Runs `work` in a transaction; an AppError it *returns* is thrown after the commit, so what
 * it wrote before refusing (an on-the-spot expiry) stays. A thrown error rolls back as usual.
 */
async function commitThenThrow<T>(ctx: AppContext, work: (trx: Tx) => Promise<T | AppError>): Promise<T> {
  const result = await ctx.db.transaction().execute(work);
  if (result instanceof AppError) throw result;
  return result;
}

/** Locks the token's invitation and expires it on the spot when its time is up; 404 when unknown. */
async function lockLive(trx: Tx, ctx: AppContext, token: string, actor: EventActor): Promise<{ s: lifecycle.Step; row: InvitationRow }> {
  if (!looksLikeToken(token)) throw new AppError('INVITATION_NOT_FOUND');
  const found = await lockInvitationByTokenHash(trx, tokenHash(token));
  if (found === undefined) throw new AppError('INVITATION_NOT_FOUND');
  const s: lifecycle.Step = { trx, config: ctx.config, now: ctx.clock.now(), actor };
  return { s, row: await lifecycle.expire({ ...s, actor: SYSTEM_ACTOR }, found) };
}

function userActor(user: Pick<UserRow, 'id' | 'first_name' | 'last_name' | 'email'>): EventActor {
  return { type: 'user', id: user.id, label: displayName(user) };
}

// ---------------------------------------------------------------------------------------------
// lookup

export interface LookupResult {
  row: InvitationRow;
  context: EmailContext;
  /** The permissions of the invited role, for the line on what it allows. */
  rolePermissions: readonly string[];
  account: { exists: boolean; signedIn: boolean; signedInEmail: string | null; emailMatches: boolean };
}

/** The invitation page's first POST: what to show, and `clicked` recorded (docs/rules.md R16). */
export async function lookupInvitation(ctx: AppContext, token: string, actor: Actor | null): Promise<LookupResult> {
  return ctx.db.transaction().execute(async (trx) => {
    const { s, row: current } = await lockLive(trx, ctx, token, lifecycle.INVITEE_ACTOR);
    const row = await lifecycle.click(s, current);
    const context = await loadEmailContext(trx, row);
    const user = await findUserByEmail(trx, row.email);
    const signedInEmail = actor?.type === 'user' ? actor.email : null;
    const rolePermissions = builtInRole(row.role)?.permissions ?? (await findRole(trx, row.org_id, row.role))?.permissions ?? [];
    return {
      row,
      context,
      rolePermissions,
      account: {
        // An `invited` (user-first) record is not an account yet: that invitee registers.
        exists: user !== undefined && user.status !== 'invited',
        signedIn: signedInEmail !== null,
        signedInEmail,
        emailMatches: signedInEmail === row.email,
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// where the invitee goes next

/** Where the browser goes after an accept (docs/rules.md R62). */
export interface AfterAccept {
  /** The address in the invitation's app, or null: the invitee stays with Gatehouse. */
  next: string | null;
  app: { id: string; name: string } | null;
  /** Whether the role just granted can use Gatehouse's console (it holds a Gatehouse permission). */
  consoleAccess: boolean;
}

const CONSOLE_PERMISSIONS = new Set<string>(['*', ...GATEHOUSE_PERMISSIONS]);

async function afterAccept(trx: Tx, ctx: AppContext, row: InvitationRow, grant: GrantRow): Promise<AfterAccept> {
  const permissions =
    builtInRole(grant.role)?.permissions ?? (await findCustomRoles(trx, grant.org_id, [grant.role])).get(grant.role)?.permissions ?? [];
  const consoleAccess = permissions.some((permission) => CONSOLE_PERMISSIONS.has(permission));
  const app = row.app_id === null ? undefined : await findApp(trx, row.org_id, row.app_id);
  if (app === undefined) return { next: null, app: null, consoleAccess };
  const next = nextUrl(app, { returnTo: row.return_to, email: row.email, issuer: issuerOf(ctx.config.publicUrl) });
  return { next, app: next === null ? null : { id: app.id, name: app.name }, consoleAccess };
}

// ---------------------------------------------------------------------------------------------
// accept

/**
 * Accept while signed in (docs/rules.md R10, R14, R15). Concurrent accepts of one token queue on the
 * row lock: the first accepts, the rest find it accepted and get 409 with the current state.
 */
export async function acceptInvitation(ctx: AppContext, token: string, actor: Actor | null): Promise<{ grant: GrantRow } & AfterAccept> {
  return commitThenThrow(ctx, async (trx) => {
    const { s, row } = await lockLive(trx, ctx, token, lifecycle.INVITEE_ACTOR);
    const refusal = consumeRefusal(row);
    if (refusal !== null) return refusal;
    if (actor?.type !== 'user') return new AppError('SIGN_IN_REQUIRED', { extra: { email: row.email } });
    // Refused without a write: the invitation stays valid for the right account.
    if (actor.email !== row.email) return new AppError('EMAIL_MISMATCH');
    const user = await findUserById(trx, actor.userId);
    if (user === undefined) throw new Error('the signed-in user has no row');
    const { grant } = await lifecycle.accept({ ...s, actor: userActor(user) }, row, user);
    return { grant, ...(await afterAccept(trx, ctx, row, grant)) };
  });
}

// ---------------------------------------------------------------------------------------------
// register

export interface RegisterInput {
  token: string;
  firstName: string;
  lastName: string;
  password: string;
  acceptTerms: boolean;
}

export interface RegisterResult extends AfterAccept {
  user: UserRow;
  grant: GrantRow;
  session: { token: string; expiresAt: Date };
}

/**
 * Register from an invitation (docs/rules.md R12, R13): one transaction creates the account (or
 * activates the user-first `invited` record; a fresh one when that record was deleted), with
 * the email verified by the token and the terms timestamp, then grants, links, accepts and
 * opens a session. An active account with that email is 409 ACCOUNT_EXISTS (sign in instead).
 *
 * Two invitations to one email registered at once give one user: the user row is locked (or
 * inserted under the unique email), so the second finds an active account.
 */
export async function registerFromInvitation(ctx: AppContext, input: RegisterInput, meta: SessionMeta): Promise<RegisterResult> {
  if (!input.acceptTerms) throw new AppError('TERMS_NOT_ACCEPTED', { details: [{ path: 'acceptTerms', message: 'must be true' }] });
  assertPasswordPolicy(input.password);
  if (!looksLikeToken(input.token)) throw new AppError('INVITATION_NOT_FOUND');
  // Hashing is slow on purpose: done before the transaction so no lock waits on it.
  const passwordHash = await hashPassword(input.password, ctx.scryptCost, `ip:${meta.ip ?? ''}`);
  return commitThenThrow(ctx, async (trx) => {
    const { s, row } = await lockLive(trx, ctx, input.token, lifecycle.INVITEE_ACTOR);
    const refusal = consumeRefusal(row);
    if (refusal !== null) return refusal;
    const account = {
      firstName: input.firstName.trim(),
      lastName: input.lastName.trim(),
      passwordHash,
      emailVerifiedAt: s.now,
      termsAcceptedAt: s.now,
    };
    let user = await lockUserByEmail(trx, row.email);
    let activated = false;
    if (user === undefined) {
      user = await createActiveUser(trx, row.email, account, s.now);
      // Lost a race with a concurrent registration of the same email: that account exists now.
      if (user === undefined) return new AppError('ACCOUNT_EXISTS');
    } else if (user.status === 'invited') {
      user = await activateInvitedUser(trx, user.id, account, s.now);
      activated = true;
    } else {
      return new AppError('ACCOUNT_EXISTS');
    }
    const actor = userActor(user);
    await appendEvent(trx, {
      type: 'user.registered',
      orgId: row.org_id,
      actor,
      invitationId: row.id,
      userId: user.id,
      data: { via: 'invitation', activated, emailVerified: true, termsAcceptedAt: s.now.toISOString() },
      occurredAt: s.now,
    });
    const { grant } = await lifecycle.accept({ ...s, actor }, row, user);
    const session = await createSession(trx, user.id, s.now, meta);
    return { user, grant, session, ...(await afterAccept(trx, ctx, row, grant)) };
  });
}

// ---------------------------------------------------------------------------------------------
// decline, renew

export async function declineInvitation(ctx: AppContext, token: string): Promise<{ row: InvitationRow; context: EmailContext }> {
  return commitThenThrow(ctx, async (trx) => {
    const { s, row } = await lockLive(trx, ctx, token, lifecycle.INVITEE_ACTOR);
    const refusal = consumeRefusal(row);
    if (refusal !== null) return refusal;
    const declined = await lifecycle.decline(s, row);
    return { row: declined, context: await loadEmailContext(trx, declined) };
  });
}

/** An expired link asks for a new one; 409 INVITATION_NOT_EXPIRED for any other state. */
export async function renewInvitation(ctx: AppContext, token: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const { s, row } = await lockLive(trx, ctx, token, lifecycle.INVITEE_ACTOR);
    const context = await loadEmailContext(trx, row);
    const inviterMayGrant = row.status === 'expired' && context.org.auto_renew && (await inviterMayStillGrant(trx, row));
    await lifecycle.requestRenewal(s, row, context, inviterMayGrant);
  });
}

/**
 * Could the invitation's inviter still invite with its role where it grants it? An active user
 * with the permission and the role's permissions there, or an unrevoked key of the org that
 * holds them; an inviter since removed, demoted or revoked cannot.
 */
async function inviterMayStillGrant(trx: Tx, row: InvitationRow): Promise<boolean> {
  let inviter: Actor | undefined;
  if (row.inviter_id === null) return false;
  if (row.inviter_type === 'user') {
    const found = await findUserById(trx, row.inviter_id);
    const user = found?.status === 'active' ? found : undefined;
    if (user !== undefined) {
      inviter = { type: 'user', userId: user.id, email: user.email, name: displayName(user), isInstanceAdmin: user.is_instance_admin, sessionId: '' };
    }
  } else {
    const key = await findLiveOrgApiKey(trx, row.org_id, row.inviter_id);
    if (key !== undefined) inviter = { type: 'api_key', keyId: key.id, orgId: key.org_id, name: key.name, permissions: key.permissions };
  }
  if (inviter === undefined) return false;
  const scope = { orgId: row.org_id, resourceId: row.resource_id };
  try {
    await authorize(trx, inviter, 'invitations:manage', scope);
    await assertGrantable(trx, inviter, row.role, scope);
    return true;
  } catch (error) {
    if (error instanceof AppError) return false;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// the link itself

/** Known link scanners and preview fetchers (mail security gateways, chat unfurlers, tools). */
const SCANNER_AGENTS =
  /bot|crawl|spider|preview|scan|safelinks|proofpoint|mimecast|barracuda|urldefense|fireeye|forcepoint|python|curl|wget|go-http-client|java\/|okhttp|headless|slack|whatsapp|facebookexternalhit|skypeuripreview/i;
/** A visit this soon after the email went out is more likely a gateway than a person. */
export const SCANNER_WINDOW_MS = 10_000;

export function likelyScanner(method: string, userAgent: string | undefined, row: InvitationRow, now: Date): boolean {
  if (method === 'HEAD') return true;
  if (userAgent === undefined || userAgent === '' || SCANNER_AGENTS.test(userAgent)) return true;
  const sent = Math.max(row.token_issued_at.getTime(), row.last_sent_at?.getTime() ?? 0);
  return now.getTime() - sent < SCANNER_WINDOW_MS;
}

/**
 * GET/HEAD /invite/:token: changes no state (docs/rules.md R16); it only appends
 * `invitation.visited` when the token is known. Returns nothing the page could leak.
 */
export async function visitInvitation(ctx: AppContext, token: string, method: string, userAgent: string | undefined): Promise<void> {
  if (!looksLikeToken(token)) return;
  const row = await findInvitationByTokenHash(ctx.db, tokenHash(token));
  if (row === undefined) return;
  const now = ctx.clock.now();
  await lifecycle.visit(
    { db: ctx.db, now, actor: lifecycle.INVITEE_ACTOR },
    row,
    { method, likelyScanner: likelyScanner(method, userAgent, row, now) },
  );
}
