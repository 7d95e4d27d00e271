/**
 * One way to declare a route: its schemas, the catalogue codes it can answer with, and who may
 * call it. From one declaration come the Fastify route, its OpenAPI operation (error statuses
 * derived from the catalogue, each listing its codes), the one authorization pre-handler, and a
 * record the authorization matrix test reads.
 *
 * ```ts
 * export function eventRoutes(ctx: AppContext) {
 *   return async (app: FastifyInstance) => {
 *     const route = router(app, ctx);
 *     route({
 *       method: 'GET',
 *       url: '/api/v1/orgs/:orgId/events',
 *       tags: ['events'],
 *       summary: "The organization's audit trail, newest first",
 *       params: OrgParams,
 *       query: EventsQuery,
 *       response: { 200: EventPage },
 *       errors: ['INVALID_CURSOR'],
 *       auth: { permission: 'events:read' },
 *       handler: async (request, _reply, actor) => { ... },
 *     });
 *   };
 * }
 * ```
 *
 * - `auth` says who gets past the pre-handler, which runs after schema validation:
 *   - `{ permission, resourceIdFrom? }`: `authorize()` at the scope `{ orgId: params.orgId,
 *     resourceId }`, where `resourceId` is the field `resourceId` of `params`, `query` or `body`
 *     when `resourceIdFrom` names one (absent or null: the org as a whole). 401 UNAUTHENTICATED,
 *     404 ORG_NOT_FOUND without standing in the org, 403 FORBIDDEN without the permission.
 *     A route whose service authorizes something more specific (grantability, a record's own
 *     scope) declares the permission that lets a caller in at all and keeps the service's check.
 *   - `'orgMember'`: any standing in `params.orgId` (`requireStanding`), for routes that must
 *     find a record before they know the scope; the service then authorizes at that scope.
 *   On both, the pre-handler reads the actor's grants in the org once (`orgGrants`) and hands
 *   them to the handler, so the service authorizes at a narrower scope without reading them again.
 *   - `'actor'` (a user or an API key; a widget too on a `widget` route), `'user'` (a signed-in
 *     user), `'instanceAdmin'`, `'public'`.
 *   The handler's third argument is the authorized actor, typed by `auth`; the fourth, on the
 *   org routes, the actor's grants in the org.
 * - `widget: true` marks a route an embedded element calls (docs/rules.md R81, R82): it then takes
 *   widget tokens (as their user, at most their scopes, at their resource) and answers CORS for
 *   the apps' allowed origins. Every other route refuses a widget token (403 WIDGET_ROUTE_REFUSED).
 * - `errors` lists the catalogue codes the handler and its service throw. The codes every route
 *   of its kind can answer are added for you: VALIDATION_FAILED with any schema, the body-parser
 *   codes with a body, and the codes of `auth`. The OpenAPI document shows each status once,
 *   with the codes it carries.
 * - `response` holds the answers that are not catalogue errors (the successes, a 503 of a health
 *   check). The handler returns the body and it leaves with the lowest 2xx status declared (a
 *   201 route returns its body, a 204 route null); a handler that answers with another status
 *   sets it on `reply` and returns `reply.send(...)`.
 * - Bodies are validated without type coercion, query strings and path parameters with it
 *   (http/validation.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { Static, TSchema } from 'typebox';
import { type Actor, requireActor, requireInstanceAdmin, requireUser, type UserActor } from '../auth/actor.js';
import type { GatehousePermission } from '../auth/permissions.js';
import { authorizeIn, type OrgGrants, orgGrants, requireStanding } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import { ERRORS, type ErrorCode } from '../errors.js';
import { keyedLimit } from './rate-limit.js';
import { ErrorSchema } from './schemas.js';

/** Requests one widget token may make per minute (docs/rules.md R86). */
export const WIDGET_REQUESTS_PER_MINUTE = 300;

export type RouteAuth =
  | 'public'
  | 'actor'
  | 'user'
  | 'instanceAdmin'
  | 'orgMember'
  | { permission: GatehousePermission; resourceIdFrom?: 'params' | 'query' | 'body' };

/** What a route declared, as the app records it (`app.routeList`). */
export interface RouteDeclaration {
  readonly auth: RouteAuth;
  /** An embedded element may call it with a widget token. */
  readonly widget: boolean;
  /** Every code the route can answer with, the implied ones included. */
  readonly errors: readonly ErrorCode[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set by route(): what the authorization pre-handler checks. */
    declaration?: RouteDeclaration;
  }
}

type OrgAuth = 'orgMember' | { permission: GatehousePermission };
type GrantsFor<A extends RouteAuth> = A extends OrgAuth ? OrgGrants : undefined;
type ActorFor<A extends RouteAuth> = A extends 'public' ? Actor | null : A extends 'user' | 'instanceAdmin' ? UserActor : Actor;
type Maybe<S extends TSchema | undefined> = S extends TSchema ? Static<S> : undefined;

export type RouteRequest<P extends TSchema | undefined, Q extends TSchema | undefined, B extends TSchema | undefined> = FastifyRequest<{
  Params: Maybe<P>;
  Querystring: Maybe<Q>;
  Body: Maybe<B>;
}>;

export interface RouteSpec<
  P extends TSchema | undefined,
  Q extends TSchema | undefined,
  B extends TSchema | undefined,
  R extends Partial<Record<number, TSchema>>,
  A extends RouteAuth,
> {
  method: Extract<HTTPMethods, 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'>;
  url: string;
  tags: string[];
  summary: string;
  description?: string;
  /** Left out of the OpenAPI document (metrics, the document itself). */
  hide?: boolean;
  /** Body content types other than JSON (OpenAPI `consumes`); the route's plugin registers their parsers. */
  consumes?: string[];
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  errors: readonly ErrorCode[];
  auth: A;
  /** An embedded element calls this route: it takes widget tokens and answers CORS. */
  widget?: true;
  /** Route options passed through to Fastify (`bodyLimit`, rate-limit `config`). */
  options?: { bodyLimit?: number; config?: Record<string, unknown> };
  handler: (
    request: RouteRequest<P, Q, B>,
    reply: FastifyReply,
    actor: ActorFor<A>,
    grants: GrantsFor<A>,
  ) => Promise<Static<NonNullable<R[keyof R]>> | FastifyReply>;
}

const BODY_ERRORS: readonly ErrorCode[] = ['INVALID_JSON', 'EMPTY_JSON_BODY', 'CONTENT_LENGTH_MISMATCH', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

function authErrors(auth: RouteAuth): ErrorCode[] {
  if (auth === 'public') return [];
  if (auth === 'actor') return ['UNAUTHENTICATED', 'API_KEY_INVALID'];
  if (auth === 'user') return ['UNAUTHENTICATED'];
  if (auth === 'instanceAdmin') return ['UNAUTHENTICATED', 'FORBIDDEN'];
  if (auth === 'orgMember') return ['UNAUTHENTICATED', 'API_KEY_INVALID', 'ORG_NOT_FOUND'];
  return ['UNAUTHENTICATED', 'API_KEY_INVALID', 'ORG_NOT_FOUND', 'FORBIDDEN'];
}

const WIDGET_ERRORS: readonly ErrorCode[] = ['WIDGET_TOKEN_INVALID', 'WIDGET_ORIGIN_REFUSED', 'RATE_LIMITED'];

/** The route's codes, the implied ones first, each once. */
export function declaredErrors(spec: {
  auth: RouteAuth;
  errors: readonly ErrorCode[];
  params?: unknown;
  query?: unknown;
  body?: unknown;
  widget?: true;
}): ErrorCode[] {
  const schemaErrors: ErrorCode[] = spec.params !== undefined || spec.query !== undefined || spec.body !== undefined ? ['VALIDATION_FAILED'] : [];
  const widgetErrors = spec.widget === true ? WIDGET_ERRORS : [];
  return [...new Set([...schemaErrors, ...(spec.body === undefined ? [] : BODY_ERRORS), ...authErrors(spec.auth), ...widgetErrors, ...spec.errors])];
}

/** One error response per status, its description naming the codes it carries. */
export function errorResponses(codes: readonly ErrorCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERRORS[code][0];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [status, { ...ErrorSchema, description: list.join(', ') }]));
}

function field(part: unknown, name: string): string | null {
  if (typeof part !== 'object' || part === null || !(name in part)) return null;
  const value: unknown = (part as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : null;
}

/**
 * The one authorization pre-handler: checks what the route declared, before its handler runs.
 * On an org route, the actor's grants in the org, read once here.
 */
async function authorizeDeclared(
  ctx: AppContext,
  request: FastifyRequest,
  auth: RouteAuth,
  widgetLimit: (key: string) => void,
): Promise<OrgGrants | undefined> {
  // A widget token reaches only widget routes (actor.ts); each token has its own request budget.
  if (request.actor?.type === 'widget') widgetLimit(request.actor.tokenId);
  if (auth === 'public') return undefined;
  if (auth === 'actor') {
    requireActor(request);
    return undefined;
  }
  if (auth === 'user') {
    requireUser(request);
    return undefined;
  }
  if (auth === 'instanceAdmin') {
    requireInstanceAdmin(request);
    return undefined;
  }
  const orgId = field(request.params, 'orgId');
  if (orgId === null) throw new Error(`route ${request.routeOptions.url ?? ''} declares an org check without :orgId`);
  const actor = requireActor(request);
  const grants = await orgGrants(ctx.db, actor, orgId);
  if (auth === 'orgMember') {
    requireStanding(grants, actor);
    return grants;
  }
  const from = auth.resourceIdFrom;
  const resourceId = from === undefined ? null : field(from === 'params' ? request.params : from === 'query' ? request.query : request.body, 'resourceId');
  await authorizeIn(ctx.db, grants, actor, auth.permission, { orgId, resourceId });
  return grants;
}

/** One budget per app context, shared by every router of it (keyed by token id). */
const widgetLimits = new WeakMap<AppContext, (key: string) => void>();
function widgetRequestLimit(ctx: AppContext): (key: string) => void {
  let limit = widgetLimits.get(ctx);
  if (limit === undefined) {
    limit = keyedLimit(ctx, WIDGET_REQUESTS_PER_MINUTE);
    widgetLimits.set(ctx, limit);
  }
  return limit;
}

/** The actor the pre-handler let through, typed by `auth` (it cannot fail after the pre-handler). */
function authorizedActor<A extends RouteAuth>(request: FastifyRequest, auth: A): ActorFor<A>;
function authorizedActor(request: FastifyRequest, auth: RouteAuth): Actor | null {
  if (auth === 'public') return request.actor;
  if (auth === 'user' || auth === 'instanceAdmin') return requireUser(request);
  return requireActor(request);
}

/** route(spec) registers one declared route on `app`. */
export function router(app: FastifyInstance, ctx: AppContext) {
  const widgetLimit = widgetRequestLimit(ctx);
  return function route<
    A extends RouteAuth,
    R extends Partial<Record<number, TSchema>>,
    P extends TSchema | undefined = undefined,
    Q extends TSchema | undefined = undefined,
    B extends TSchema | undefined = undefined,
  >(spec: RouteSpec<P, Q, B, R, A>): void {
    const errors = declaredErrors(spec);
    const ok = Object.keys(spec.response).map(Number).filter((status) => status >= 200 && status < 300).sort((a, b) => a - b)[0] ?? 200;
    const declaration: RouteDeclaration = { auth: spec.auth, errors, widget: spec.widget === true };
    const grants = new WeakMap<FastifyRequest, OrgGrants>();
    const schema: FastifySchema = {
      tags: spec.tags,
      summary: spec.summary,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      ...(spec.hide === true ? { hide: true } : {}),
      ...(spec.consumes === undefined ? {} : { consumes: spec.consumes }),
      ...(spec.params === undefined ? {} : { params: spec.params }),
      ...(spec.query === undefined ? {} : { querystring: spec.query }),
      ...(spec.body === undefined ? {} : { body: spec.body }),
      response: { ...spec.response, ...errorResponses(errors) },
    };
    app.route({
      method: spec.method,
      url: spec.url,
      ...(spec.options?.bodyLimit === undefined ? {} : { bodyLimit: spec.options.bodyLimit }),
      config: { ...spec.options?.config, declaration, ...(spec.widget === true ? { widget: true } : {}) },
      schema,
      preHandler: async (request) => {
        const found = await authorizeDeclared(ctx, request, spec.auth, widgetLimit);
        if (found !== undefined) grants.set(request, found);
      },
      handler: async (request, reply) => {
        void reply.status(ok);
        // The schemas above validated params, query and body: these are their static types; the
        // pre-handler read the grants of exactly the org routes (GrantsFor).
        return spec.handler(request as RouteRequest<P, Q, B>, reply, authorizedActor(request, spec.auth), grants.get(request) as GrantsFor<A>);
      },
    });
  };
}
