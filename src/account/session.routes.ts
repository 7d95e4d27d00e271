/**
 * POST /api/v1/auth/sign-in and /sign-out.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { clearSessionCookie, cookieOptions, setSessionCookie } from '../auth/actor.js';
import { deleteSession } from '../auth/session.repository.js';
import { presentUser, UserSchema } from '../auth/user.presenter.js';
import { DAY } from '../clock.js';
import type { AppContext } from '../context.js';
import { authRateLimit, clientIp, keyedLimit } from '../http/rate-limit.js';
import { router } from '../http/route.js';
import { signIn } from './session.service.js';

/** Sign-in attempts per account per minute from clients without its device cookie (plus per IP). */
const SIGN_IN_PER_ACCOUNT = 10;
/** Sign-in attempts per minute from one browser holding a device cookie for the account. */
const SIGN_IN_PER_DEVICE = 10;
/** The cookie that marks a browser as one that has signed in to an account before. */
export const DEVICE_COOKIE = 'gatehouse_device';
const DEVICE_COOKIE_DAYS = 365;

export function sessionRoutes(ctx: AppContext) {
  const limits = { untrustedPerAccount: keyedLimit(ctx, SIGN_IN_PER_ACCOUNT), perDevice: keyedLimit(ctx, SIGN_IN_PER_DEVICE) };
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      tags: ['accounts'],
      summary: 'Sign in with email and password; sets the session cookie',
      body: Type.Object({ email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ user: UserSchema }) },
      errors: ['INVALID_CREDENTIALS', 'ACCOUNT_DISABLED', 'RATE_LIMITED'],
      auth: 'public',
      options: { config: authRateLimit(ctx) },
      handler: async (request, reply) => {
        const meta = { ip: clientIp(request), userAgent: request.headers['user-agent'] ?? null };
        const client = { deviceCookie: request.cookies[DEVICE_COOKIE] ?? null, limits };
        const { user, token, expiresAt, deviceCookie } = await signIn(ctx, request.body, meta, client);
        setSessionCookie(ctx, reply, token, expiresAt);
        if (deviceCookie !== null) {
          const expires = new Date(ctx.clock.now().getTime() + DEVICE_COOKIE_DAYS * DAY);
          void reply.setCookie(DEVICE_COOKIE, deviceCookie, { ...cookieOptions(ctx, expires), path: '/api/v1/auth', sameSite: 'strict' });
        }
        return { user: presentUser(user) };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      tags: ['accounts'],
      summary: 'End the current session',
      response: { 204: Type.Null() },
      errors: [],
      auth: 'public',
      handler: async (request, reply, actor) => {
        if (actor?.type === 'user') await deleteSession(ctx.db, actor.sessionId);
        clearSessionCookie(ctx, reply);
        return null;
      },
    });
  };
}
