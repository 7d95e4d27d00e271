/**
 * Who is calling: resolved once per request from the session cookie, an `Authorization: Bearer`
 * API key (`gh_…`) or widget token (`ghw_…`), and available as `request.actor` (null when
 * anonymous). Cookie-authenticated unsafe requests must come from the public origin and declare
 * `Content-Type: application/json`, body-less ones included (CSRF defence: docs/rules.md R43).
 * A widget token is honoured only on the routes marked for widgets (`config.widget`), from its
 * app's origins (docs/rules.md R81, R82); on those routes a session cookie is ignored when the
 * request comes from another origin.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { MINUTE } from '../clock.js';
import { AppError } from '../errors.js';
import { findApiKeyBySecretHash, touchApiKey } from './api-key.repository.js';
import { sha256 } from './crypto.js';
import { findWidgetTokenByHash } from './widget-token.repository.js';
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
  | { type: 'api_key'; keyId: string; orgId: string; name: string; permissions: readonly string[] }
  | WidgetActor;

/**
 * A user acting through an embedded element of a host app (docs/rules.md R81): at most what the
 * user holds now, at most `permissions` (the scopes granted at mint), and only at `resourceId`
 * when the token names one. It never holds the owner role and never reaches a route not marked
 * for widgets.
 */
export interface WidgetActor {
  type: 'widget';
  tokenId: string;
  userId: string;
  email: string;
  name: string;
  orgId: string;
  appId: string;
  resourceId: string | null;
  permissions: readonly string[];
  expiresAt: Date;
  /** The app's allowed origins: where the token may be used from (and framed by). */
  origins: readonly string[];
}

export const SESSION_COOKIE = 'gatehouse_session';
export const API_KEY_PREFIX = 'gh_';
export const WIDGET_TOKEN_PREFIX = 'ghw_';

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
    /** An embedded element may call the route: it takes widget tokens and answers CORS (docs/rules.md R81, R82). */
    widget?: boolean;
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

/**
 * The widget actor of a token, or 401 WIDGET_TOKEN_INVALID when it is unknown, expired, its user
 * is no longer active or its API key was revoked. Nothing is cached, so revoking the key ends
 * its tokens at once (docs/rules.md R80).
 */
export async function resolveWidgetToken(ctx: AppContext, token: string): Promise<WidgetActor> {
  if (!token.startsWith(WIDGET_TOKEN_PREFIX)) throw new AppError('WIDGET_TOKEN_INVALID');
  const row = await findWidgetTokenByHash(ctx.db, sha256(token));
  if (row === undefined || row.expires_at.getTime() <= ctx.clock.now().getTime()) throw new AppError('WIDGET_TOKEN_INVALID');
  return {
    type: 'widget',
    tokenId: row.id,
    userId: row.user_id,
    email: row.email,
    name: displayName(row),
    orgId: row.org_id,
    appId: row.app_id,
    resourceId: row.resource_id,
    permissions: row.scopes,
    expiresAt: row.expires_at,
    origins: row.allowed_origins,
  };
}

/**
 * 403 WIDGET_ORIGIN_REFUSED unless the request comes from one of the token's app's origins, from
 * Gatehouse's own (the iframe mode's page), or from no browser page at all (no `Origin`): the
 * origin check keeps a token lifted from app A's page out of app B's (docs/rules.md R82).
 */
function checkWidgetOrigin(ctx: AppContext, request: FastifyRequest, actor: WidgetActor): void {
  const origin = request.headers.origin;
  if (origin === undefined || origin === new URL(ctx.config.publicUrl).origin) return;
  if (!actor.origins.includes(origin)) throw new AppError('WIDGET_ORIGIN_REFUSED');
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
  const publicOrigin = new URL(ctx.config.publicUrl).origin;
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.ownCredentials === true) return;
    const widgetRoute = request.routeOptions.config.widget === true;
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const secret = match?.[1];
      if (secret?.startsWith(WIDGET_TOKEN_PREFIX) === true) {
        if (!widgetRoute) throw new AppError('WIDGET_ROUTE_REFUSED');
        const actor = await resolveWidgetToken(ctx, secret);
        checkWidgetOrigin(ctx, request, actor);
        request.actor = actor;
        return;
      }
      if (secret?.startsWith(API_KEY_PREFIX) !== true) throw new AppError('API_KEY_INVALID');
      request.actor = await actorFromApiKey(ctx, secret);
      return;
    }
    const token = request.cookies[SESSION_COOKIE];
    if (token === undefined || token === '') return;
    // A widget route answers CORS: a request from another origin is never the console's, so its
    // cookie (sent by a credentialed fetch) is not honoured there (docs/rules.md R82).
    const origin = request.headers.origin;
    if (widgetRoute && origin !== undefined && origin !== publicOrigin) return;
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

/** Any authenticated caller (user, API key or, on a widget route, a widget); 401 otherwise. */
export function requireActor(request: FastifyRequest): Actor {
  if (request.actor === null) throw new AppError('UNAUTHENTICATED');
  return request.actor;
}

/** How the event log names an actor: a widget is its user, with the app it acted through (docs/rules.md R84). */
export function eventActor(actor: Actor): { type: 'user' | 'api_key'; id: string; label: string; appId: string | null } {
  switch (actor.type) {
    case 'user':
      return { type: 'user', id: actor.userId, label: actor.name, appId: null };
    case 'widget':
      return { type: 'user', id: actor.userId, label: actor.name, appId: actor.appId };
    case 'api_key':
      return { type: 'api_key', id: actor.keyId, label: actor.name, appId: null };
  }
}
