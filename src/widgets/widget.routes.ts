/**
 * Widget tokens and what an embedded element needs from the server (docs/rules.md R80–R86):
 * POST /api/v1/orgs/:orgId/widget-tokens (an API key mints a token for one of the org's users),
 * GET /api/v1/widget/session (what the token allows, for the element to show), and the iframe
 * mode's page GET /embed/v1/frame/:element?token=… (framed only by the token's app's origins).
 * The element's own requests go to the existing org routes marked `widget: true`.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { resolveWidgetToken, type WidgetActor } from '../auth/actor.js';
import { PERMISSION_PATTERN } from '../auth/permissions.js';
import { orgGrants, standingIn } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { router } from '../http/route.js';
import { findResource } from '../orgs/org.repository.js';
import { component, NullableInput, OrgParams, Timestamp, Uuid } from '../http/schemas.js';
import { mintWidgetToken, requireApiKey, WIDGET_TTL_DEFAULT_SECONDS, WIDGET_TTL_MAX_SECONDS, WIDGET_TTL_MIN_SECONDS } from './widget.service.js';

export const WidgetTokenComponent = component(
  'WidgetToken',
  Type.Object({
    token: Type.String({ description: 'Shown once: `ghw_…`, sent as `Authorization: Bearer` by the element.' }),
    expiresAt: Timestamp,
    scopes: Type.Array(Type.String(), { description: 'What the token allows: the requested scopes both the key and the user hold.' }),
  }),
);

export const WidgetSessionComponent = component(
  'WidgetSession',
  Type.Object({
    user: Type.Object({ id: Uuid, email: Type.String(), name: Type.String() }),
    orgId: Uuid,
    appId: Uuid,
    resourceId: Type.Union([Uuid, Type.Null()]),
    resource: Type.Union([Type.Object({ id: Uuid, kind: Type.String(), name: Type.String() }), Type.Null()], {
      description: 'The resource the token is limited to, by name (null for an org-wide token).',
    }),
    scopes: Type.Array(Type.String(), { description: 'What the token allows now (the user may have lost some since the mint).' }),
    expiresAt: Timestamp,
  }),
);

/** The elements the iframe mode can show, by their path segment. */
export const FRAME_ELEMENTS = ['invitation-panel', 'access-list', 'people'] as const;

const MintBody = Type.Object(
  {
    appId: Uuid,
    userId: Uuid,
    resourceId: Type.Optional(NullableInput(Uuid)),
    scopes: Type.Array(Type.String({ pattern: PERMISSION_PATTERN }), { minItems: 1, maxItems: 50 }),
    ttlSeconds: Type.Optional(
      Type.Integer({ minimum: WIDGET_TTL_MIN_SECONDS, maximum: WIDGET_TTL_MAX_SECONDS, description: `Default ${String(WIDGET_TTL_DEFAULT_SECONDS)}.` }),
    ),
  },
  { additionalProperties: false },
);

/** What the token allows now: its scopes the user still holds at its scope. */
async function currentScopes(ctx: AppContext, actor: WidgetActor): Promise<string[]> {
  const grants = await orgGrants(ctx.db, actor, actor.orgId);
  return standingIn(grants, actor, { orgId: actor.orgId, resourceId: actor.resourceId }).permissions;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);

/**
 * The iframe page: loads the embed bundle and shows one element, which reads its token from the
 * address. The `embed` bundle owns what the element does; this page only hosts it.
 */
function framePage(element: string): string {
  const tag = `gatehouse-${element}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse</title><script type="module" src="/embed/v1/gatehouse.js"></script></head>
<body style="margin:0"><${escapeHtml(tag)} data-token-from="location"></${escapeHtml(tag)}></body></html>`;
}

export function widgetRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/widget-tokens',
      tags: ['widgets'],
      summary: "Mint a short-lived widget token for one of the org's users (API key only)",
      description:
        'The token lets Gatehouse’s embedded elements act as the user on the app’s pages, with the requested scopes that both the key and the user hold (at `resourceId` when given, and then only there). ' +
        'Only the app’s allowed origins may use it. A signed-in session gets 403 FORBIDDEN.',
      params: OrgParams,
      body: MintBody,
      response: { 201: WidgetTokenComponent.ref },
      errors: ['FORBIDDEN', 'APP_NOT_FOUND', 'USER_NOT_FOUND', 'RESOURCE_NOT_FOUND'],
      auth: 'orgMember',
      handler: async (request, _reply, actor, grants) => {
        requireApiKey(actor);
        const { token, row } = await mintWidgetToken(ctx, actor, grants, request.params.orgId, request.body);
        return { token, expiresAt: row.expires_at.toISOString(), scopes: row.scopes };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/widget/session',
      tags: ['widgets'],
      summary: 'Who a widget token acts for and what it allows now (widget token only)',
      response: { 200: WidgetSessionComponent.ref },
      errors: ['WIDGET_TOKEN_INVALID'],
      auth: 'public',
      widget: true,
      handler: async (request) => {
        const actor = request.actor;
        if (actor?.type !== 'widget') throw new AppError('WIDGET_TOKEN_INVALID');
        const resource = actor.resourceId === null ? undefined : await findResource(ctx.db, actor.orgId, actor.resourceId);
        return {
          user: { id: actor.userId, email: actor.email, name: actor.name },
          orgId: actor.orgId,
          appId: actor.appId,
          resourceId: actor.resourceId,
          resource: resource === undefined ? null : { id: resource.id, kind: resource.kind, name: resource.name },
          scopes: await currentScopes(ctx, actor),
          expiresAt: actor.expiresAt.toISOString(),
        };
      },
    });

    route({
      method: 'GET',
      url: '/embed/v1/frame/:element',
      tags: ['widgets'],
      summary: 'The iframe mode: a page showing one element, framed only by the token’s app’s origins',
      hide: true,
      params: Type.Object({ element: Type.Union(FRAME_ELEMENTS.map((name) => Type.Literal(name))) }),
      query: Type.Object({ token: Type.String({ maxLength: 200 }) }, { additionalProperties: true }),
      response: { 200: Type.String() },
      errors: ['WIDGET_TOKEN_INVALID'],
      auth: 'public',
      // The token travels in the address (redacted from logs, http/redact.ts); no cookie is read.
      options: { config: { ownCredentials: true } },
      handler: async (request, reply) => {
        const actor = await resolveWidgetToken(ctx, request.query.token);
        // Only the app's own pages may frame it (docs/rules.md R83); an app without origins: nobody.
        const ancestors = actor.origins.length === 0 ? "'none'" : actor.origins.join(' ');
        return reply
          .removeHeader('x-frame-options')
          .header(
            'content-security-policy',
            `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; connect-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors ${ancestors}`,
          )
          .header('content-type', 'text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          // Loaded into another origin's page: its frame, not a same-origin resource.
          .header('cross-origin-resource-policy', 'cross-origin')
          .send(framePage(request.params.element));
      },
    });
  };
}

