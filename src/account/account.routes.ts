/**
 * Accounts: sign-up, email verification, password reset, first-admin setup, GET and DELETE
 * /api/v1/me, and an instance admin disabling an account. The token-taking endpoints share the
 * per-IP auth rate limit.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { clearSessionCookie, eventActor, setSessionCookie } from '../auth/actor.js';
import { parseEmail } from '../auth/email.js';
import { presentUser, UserSchema } from '../auth/user.presenter.js';
import type { AppContext } from '../context.js';
import type { ErrorCode } from '../errors.js';
import { authRateLimit, clientIp, keyedLimit } from '../http/rate-limit.js';
import { router } from '../http/route.js';
import { MeSchema, presentMe } from './me.presenter.js';
import { getMe } from './me.service.js';
import {
  checkSignUp,
  completeSetup,
  completeSignUp,
  confirmPasswordReset,
  deleteAccount,
  requestPasswordReset,
  verifyEmail,
} from './account.service.js';
import { setUserDisabled } from './user-status.service.js';

const Email = Type.String({ maxLength: 320 });
const Password = Type.String({ maxLength: 1024 });
const Token = Type.String({ minLength: 1, maxLength: 200 });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const LastName = Type.String({ maxLength: 200 });
/** Reset emails per address per minute, on top of the per-IP limit (no mailbox flooding). */
const RESET_PER_ACCOUNT = 3;
/** Password checks of DELETE /me per account per minute (a stolen session must not guess). */
const DELETE_ME_PER_ACCOUNT = 5;
/** What a new password can be refused for. */
const PASSWORD_ERRORS: readonly ErrorCode[] = ['PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG'];

export function accountRoutes(ctx: AppContext) {
  const resetPerAccount = keyedLimit(ctx, RESET_PER_ACCOUNT);
  const deletePerAccount = keyedLimit(ctx, DELETE_ME_PER_ACCOUNT);
  const rateLimited = { config: authRateLimit(ctx) };
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);
    const meta = (request: { ip: string; headers: { 'user-agent'?: string | undefined } }) => ({
      ip: request.ip === '' ? null : request.ip,
      userAgent: request.headers['user-agent'] ?? null,
    });

    route({
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      tags: ['accounts'],
      summary: 'Self-service sign-up (ALLOW_SIGNUP=true); emails a verification link',
      body: Type.Object({ email: Email, password: Password, firstName: Name, lastName: LastName }, { additionalProperties: false }),
      response: { 202: Type.Object({ status: Type.Literal('verification_sent') }) },
      errors: ['SIGNUP_DISABLED', 'INVALID_EMAIL', ...PASSWORD_ERRORS, 'RATE_LIMITED'],
      auth: 'public',
      options: rateLimited,
      handler: async (request, reply) => {
        // Input checks only before the answer; whether the address has an account is looked
        // up after it, so the answer is the same (and as quick) either way.
        const email = checkSignUp(ctx, request.body);
        ctx.afterReply.afterSending(reply, () => completeSignUp(ctx, email, request.body));
        return { status: 'verification_sent' as const };
      },
    });

    // Public and cheap: the sign-in page asks it before offering a link to sign up.
    route({
      method: 'GET',
      url: '/api/v1/auth/sign-up',
      tags: ['accounts'],
      summary: 'Whether self-service sign-up is open on this instance (ALLOW_SIGNUP)',
      response: { 200: Type.Object({ enabled: Type.Boolean() }) },
      errors: [],
      auth: 'public',
      handler: async () => ({ enabled: ctx.config.allowSignup }),
    });

    route({
      method: 'POST',
      url: '/api/v1/auth/verify-email',
      tags: ['accounts'],
      summary: 'Verify an email address from the emailed link with the account’s password; activates the account and signs in',
      body: Type.Object({ token: Token, password: Password }, { additionalProperties: false }),
      response: { 200: Type.Object({ user: UserSchema }) },
      errors: ['INVALID_TOKEN', 'ACCOUNT_DISABLED', ...PASSWORD_ERRORS, 'RATE_LIMITED'],
      auth: 'public',
      options: rateLimited,
      handler: async (request, reply) => {
        const { user, token, expiresAt } = await verifyEmail(ctx, request.body, meta(request));
        setSessionCookie(ctx, reply, token, expiresAt);
        return { user: presentUser(user) };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      tags: ['accounts'],
      summary: 'Email a password reset link; answers 202 whether or not the account exists',
      body: Type.Object({ email: Email }, { additionalProperties: false }),
      response: { 202: Type.Object({ status: Type.Literal('accepted') }) },
      errors: ['INVALID_EMAIL', 'RATE_LIMITED'],
      auth: 'public',
      options: rateLimited,
      handler: async (request, reply) => {
        const email = parseEmail(request.body.email);
        resetPerAccount(email);
        // Answered before the account is looked up: known and unknown addresses take the same
        // steps until the answer is sent.
        ctx.afterReply.afterSending(reply, () => requestPasswordReset(ctx, email));
        return { status: 'accepted' as const };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      tags: ['accounts'],
      summary: 'Set a new password from a reset link; ends the account’s other sessions',
      body: Type.Object({ token: Token, password: Password }, { additionalProperties: false }),
      response: { 200: Type.Object({ user: UserSchema }) },
      errors: ['INVALID_TOKEN', ...PASSWORD_ERRORS, 'RATE_LIMITED'],
      auth: 'public',
      options: rateLimited,
      handler: async (request, _reply, actor) => {
        const session = actor?.type === 'user' ? actor.sessionId : null;
        return { user: presentUser(await confirmPasswordReset(ctx, request.body, session)) };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/auth/setup',
      tags: ['accounts'],
      summary: 'Create the first instance admin from the setup link logged at first start; signs in',
      body: Type.Object({ token: Token, email: Email, password: Password, firstName: Name, lastName: LastName }, { additionalProperties: false }),
      response: { 201: Type.Object({ user: UserSchema }) },
      errors: ['INVALID_EMAIL', ...PASSWORD_ERRORS, 'SETUP_ALREADY_DONE', 'INVALID_TOKEN', 'EMAIL_TAKEN', 'RATE_LIMITED'],
      auth: 'public',
      options: rateLimited,
      handler: async (request, reply) => {
        const { user, token, expiresAt } = await completeSetup(ctx, request.body, { ip: clientIp(request), userAgent: request.headers['user-agent'] ?? null });
        setSessionCookie(ctx, reply, token, expiresAt);
        return { user: presentUser(user) };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/me',
      tags: ['accounts'],
      summary: 'The signed-in user, their memberships, their linked directory profiles, and each of their orgs as they may read it (record, resources, roles)',
      description:
        'Everything the console needs before a page\'s own data (docs/rules.md R92): per org, the org record when the user may read it (else null), up to 200 resources they may read (`resourcesTruncated` when there are more) and the roles they may read; `features.devMailbox` when emails go to the dev mailbox.',
      response: { 200: MeSchema },
      errors: [],
      auth: 'user',
      handler: async (_request, _reply, actor) => presentMe(await getMe(ctx, actor)),
    });

    route({
      method: 'DELETE',
      url: '/api/v1/me',
      tags: ['accounts'],
      summary: 'Delete the signed-in account (password required); the audit trail keeps an anonymised actor',
      body: Type.Object({ password: Password }, { additionalProperties: false }),
      response: { 204: Type.Null() },
      errors: ['PASSWORD_INCORRECT', 'LAST_OWNER', 'RATE_LIMITED'],
      auth: 'user',
      options: rateLimited,
      handler: async (request, reply, actor) => {
        deletePerAccount(actor.userId);
        await deleteAccount(ctx, actor.userId, request.body.password);
        clearSessionCookie(ctx, reply);
        return null;
      },
    });

    route({
      method: 'PUT',
      url: '/api/v1/admin/users/:userId/disabled',
      tags: ['accounts'],
      summary: 'Instance admins only: disable an account (it can no longer sign in anywhere, its app tokens are revoked) or enable it again',
      params: Type.Object({ userId: Type.String({ format: 'uuid' }) }),
      body: Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: UserSchema },
      errors: ['USER_NOT_FOUND', 'USER_NOT_ACTIVE', 'CANNOT_DISABLE_SELF'],
      auth: 'instanceAdmin',
      handler: async (request, _reply, actor) =>
        presentUser(await setUserDisabled(ctx, eventActor(actor), request.params.userId, request.body.disabled, ctx.clock.now())),
    });
  };
}
