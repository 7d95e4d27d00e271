/**
 * CORS for embedded elements (docs/rules.md R82), on @fastify/cors: only the routes marked
 * `widget: true` answer it, and only for an origin some app lists in its allowed origins. A
 * preflight cannot carry the token, so it is answered for any app's origin; the real request is
 * then held to the token's own app's origins (403 WIDGET_ORIGIN_REFUSED, auth/actor.ts). No
 * credentials mode: the answers never allow cookies, and widget routes ignore a session cookie
 * sent from another origin. Every other route, and every other origin, gets no CORS headers (a
 * preflight is 404), so the console's cookie routes stay same-origin only (R43).
 */
import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { someAppAllowsOrigin } from './widget.repository.js';

/** How long a browser may cache a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

interface WidgetRoute {
  methods: ReadonlySet<string>;
  pattern: RegExp;
}

/** `/api/v1/orgs/:orgId/people` → a pattern for its concrete paths. */
function pathPattern(url: string): RegExp {
  const escaped = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped}/?$`);
}

/** Registers the CORS hook; call before the authentication hook and before any route. */
export async function registerWidgetCors(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const routes: WidgetRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (route.config?.widget !== true) return;
    routes.push({ methods: new Set([route.method].flat()), pattern: pathPattern(route.url) });
  });
  const publicOrigin = new URL(ctx.config.publicUrl).origin;

  /** Whether the request (or, for a preflight, the request it announces) goes to a widget route. */
  function toWidgetRoute(request: FastifyRequest): boolean {
    const announced = request.headers['access-control-request-method'];
    if (request.method !== 'OPTIONS' || announced === undefined) return request.routeOptions.config.widget === true;
    const path = request.url.split('?')[0] ?? '';
    return routes.some((route) => route.methods.has(announced.toUpperCase()) && route.pattern.test(path));
  }

  const refuse: FastifyCorsOptions = { origin: false };
  await app.register(cors, {
    hook: 'onRequest',
    delegator: async (request: FastifyRequest): Promise<FastifyCorsOptions> => {
      const origin = request.headers.origin;
      if (origin === undefined || origin === publicOrigin || !toWidgetRoute(request)) return refuse;
      if (!(await someAppAllowsOrigin(ctx.db, origin))) return refuse;
      return {
        origin,
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type'],
        credentials: false,
        maxAge: PREFLIGHT_MAX_AGE_SECONDS,
        strictPreflight: true,
      };
    },
  });
}
