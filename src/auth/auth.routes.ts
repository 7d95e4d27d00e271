/**
 * POST /api/v1/auth/sign-in and /sign-out.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { authRateLimit, clientIp, keyedLimit } from '../http/rate-limit.js';
import { ErrorSchema } from '../http/schemas.js';
import { clearSessionCookie, setSessionCookie } from './actor.js';
import { signIn } from './auth.service.js';
import { canonicalEmail } from './email.js';
import { deleteSession } from './session.repository.js';
import { presentUser, UserSchema } from './user.presenter.js';

/** Sign-in attempts per account per minute, on top of the per-IP limit. */
const SIGN_IN_PER_ACCOUNT = 10;

export function authRoutes(ctx: AppContext) {
  const perAccount = keyedLimit(ctx, SIGN_IN_PER_ACCOUNT);
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    app.post(
      '/api/v1/auth/sign-in',
      {
        config: authRateLimit(ctx),
        schema: {
          tags: ['accounts'],
          summary: 'Sign in with email and password; sets the session cookie',
          body: Type.Object(
            { email: Type.String({ maxLength: 320 }), password: Type.String({ maxLength: 1024 }) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ user: UserSchema }), 401: ErrorSchema, 429: ErrorSchema },
        },
      },
      async (request, reply) => {
        perAccount(canonicalEmail(request.body.email));
        const { user, token, expiresAt } = await signIn(ctx, request.body, {
          ip: clientIp(request),
          userAgent: request.headers['user-agent'] ?? null,
        });
        setSessionCookie(ctx, reply, token, expiresAt);
        return { user: presentUser(user) };
      },
    );

    app.post(
      '/api/v1/auth/sign-out',
      { schema: { tags: ['accounts'], summary: 'End the current session', response: { 204: Type.Null() } } },
      async (request, reply) => {
        if (request.actor?.type === 'user') await deleteSession(ctx.db, request.actor.sessionId);
        clearSessionCookie(ctx, reply);
        return reply.status(204).send(null);
      },
    );
  };
}
