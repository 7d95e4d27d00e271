/**
 * Who is calling: resolved once per request from the session cookie or an
 * `Authorization: Bearer` API key, and available as `request.actor` (null when anonymous).
 * Cookie-authenticated unsafe requests must come from the public origin and declare
 * `Content-Type: application/json`, body-less ones included (CSRF defence: docs/rules.md R43).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { MINUTE } from '../clock.js';
import { AppError } from '../errors.js';
import { findApiKeyBySecretHash, touchApiKey } from './api-key.repository.js';
import { sha256 } from './crypto.js';
import { resolveSession } from './session.repository.js';
import { displayName } from './user.presenter.js';

export type Actor =
  | {
      type: 'user';
      userId: string;
      email: string;
      name: string;
      isInstanceAdmin: boolean;
      sessionId: string;
    }
  | { type: 'api_key'; keyId: string; orgId: string; name: string; permissions: readonly string[] };

export const SESSION_COOKIE = 'gatehouse_session';
export const API_KEY_PREFIX = 'gh_';
/** last_used_at is written at most this often per key. */
const API_KEY_TOUCH_MS = MINUTE;
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/**
 * What a cookie-authenticated unsafe request must declare as its Content-Type, with or without a
 * body: JSON (or CSV on the people import). A cross-site page cannot send either without a CORS
 * preflight, whereas a form, a no-cors fetch or a beacon sends a form type or none at all.
 */
const COOKIE_UNSAFE_TYPES = /^(application\/json|text\/csv)\s*(;|$)/i;

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /** The route checks its own credentials (the metrics token); no session or API key is read. */
    ownCredentials?: boolean;
  }
}

async function actorFromApiKey(ctx: AppContext, secret: string): Promise<Actor> {
  // Nothing is cached between requests, so a revoked key fails on its next request.
  const key = await findApiKeyBySecretHash(ctx.db, sha256(secret));
  if (key?.revoked_at !== null) throw new AppError('API_KEY_INVALID');
  const now = ctx.clock.now();
  if (key.last_used_at === null || now.getTime() - key.last_used_at.getTime() > API_KEY_TOUCH_MS) {
    await touchApiKey(ctx.db, key.id, now);
  }
  return { type: 'api_key', keyId: key.id, orgId: key.org_id, name: key.name, permissions: key.permissions };
}

function checkCsrf(ctx: AppContext, request: FastifyRequest): void {
  if (!UNSAFE.has(request.method)) return;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== new URL(ctx.config.publicUrl).origin) throw new AppError('CSRF_REJECTED');
  const type = request.headers['content-type'];
  if (type === undefined || !COOKIE_UNSAFE_TYPES.test(type)) throw new AppError('CSRF_REJECTED');
}

export function cookieOptions(ctx: AppContext, expires: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.config.publicUrl.startsWith('https:'),
    expires,
  };
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string, expires: Date): void {
  void reply.setCookie(SESSION_COOKIE, token, cookieOptions(ctx, expires));
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { ...cookieOptions(ctx, new Date(0)), expires: new Date(0) });
}

/** Adds `request.actor` to every request. Requires @fastify/cookie to be registered. */
export function registerAuthentication(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('actor', null);
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.ownCredentials === true) return;
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (match?.[1]?.startsWith(API_KEY_PREFIX) !== true) throw new AppError('API_KEY_INVALID');
      request.actor = await actorFromApiKey(ctx, match[1]);
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token === undefined || token === '') return;
    const session = await resolveSession(ctx.db, token, ctx.clock.now());
    if (session === null) return;
    checkCsrf(ctx, request);
    request.actor = {
      type: 'user',
      userId: session.user.id,
      email: session.user.email,
      name: displayName(session.user),
      isInstanceAdmin: session.user.is_instance_admin,
      sessionId: session.sessionId,
    };
  });
}

export type UserActor = Extract<Actor, { type: 'user' }>;

/** The signed-in user; 401 UNAUTHENTICATED for anyone else (API keys included). */
export function requireUser(request: FastifyRequest): UserActor {
  const actor = request.actor;
  if (actor?.type !== 'user') throw new AppError('UNAUTHENTICATED');
  return actor;
}

/** A signed-in instance admin; 401 when signed out, 403 otherwise. */
export function requireInstanceAdmin(request: FastifyRequest): UserActor {
  const user = requireUser(request);
  if (!user.isInstanceAdmin) throw new AppError('FORBIDDEN');
  return user;
}

/** Any authenticated caller (user or API key); 401 otherwise. */
export function requireActor(request: FastifyRequest): Actor {
  if (request.actor === null) throw new AppError('UNAUTHENTICATED');
  return request.actor;
}

/** How the event log names an actor. */
export function eventActor(actor: Actor) {
  return actor.type === 'user'
    ? { type: 'user' as const, id: actor.userId, label: actor.name }
    : { type: 'api_key' as const, id: actor.keyId, label: actor.name };
}
