/**
 * Orgs and resources:
 * POST/GET /api/v1/orgs, GET/PATCH /api/v1/orgs/:orgId, PUT /api/v1/admin/orgs/:orgId/trust (instance admins),
 * PUT/DELETE /api/v1/orgs/:orgId/logo (upload), GET /api/v1/logos/:orgId (public, the image),
 * POST/GET /api/v1/orgs/:orgId/resources, GET/PATCH/DELETE /api/v1/orgs/:orgId/resources/:resourceId.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { router } from '../http/route.js';
import { ListQuery, NullableInput, OrgParams, Page, Uuid } from '../http/schemas.js';
import { OrgSchema, presentOrg, presentResource, ResourceSchema } from './org.presenter.js';
import * as service from './org.service.js';
import { HEX_COLOR_PATTERN } from '../common/color.js';

const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Kind = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const ResourceParams = Type.Object({ orgId: Uuid, resourceId: Uuid });

const SettingsInput = Type.Object(
  {
    invitationTtlDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
    openTracking: Type.Optional(Type.Boolean()),
    reminderDaysBeforeExpiry: Type.Optional(Type.Integer({ minimum: 0, maximum: 89 })),
    senderName: Type.Optional(NullableInput(Type.String({ maxLength: 100, pattern: '^[^\\r\\n<>"]*$' }))),
    replyTo: Type.Optional(NullableInput(Type.String({ maxLength: 320 }))),
    // The ceiling an org may not exceed is the operator's (INVITATION_QUOTA_MAX, and
    // SELF_SERVICE_QUOTA_MAX until the org is trusted): 400 INVITATION_QUOTA_ABOVE_MAX past it.
    invitationsPerHour: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    autoRenew: Type.Optional(Type.Boolean()),
    // Where invitations that name no app land the invitee (an app of the org and an address it
    // allows): 404 APP_NOT_FOUND, 400 RETURN_TO_NOT_ALLOWED otherwise.
    defaultAppId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    defaultReturnTo: Type.Optional(NullableInput(Type.String({ minLength: 1, maxLength: 2000 }))),
    // https only, checked again by parsing (docs/rules.md R70, R72).
    logoUrl: Type.Optional(NullableInput(Type.String({ maxLength: 2000 }))),
    brandColor: Type.Optional(NullableInput(Type.String({ pattern: HEX_COLOR_PATTERN }))),
    termsUrl: Type.Optional(NullableInput(Type.String({ maxLength: 2000 }))),
  },
  { additionalProperties: false },
);

export function orgRoutes(ctx: AppContext, hooks: { checkDefaultLanding?: service.DefaultLandingCheck } = {}) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/orgs',
      tags: ['orgs'],
      summary: 'Create an organization; the caller becomes its owner',
      body: Type.Object({ name: Name }, { additionalProperties: false }),
      response: { 201: OrgSchema },
      errors: ['ORG_CREATE_FORBIDDEN'],
      auth: 'user',
      handler: async (request, _reply, actor) => presentOrg(await service.createOrg(ctx, actor, request.body)),
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs',
      tags: ['orgs'],
      summary: 'Organizations the caller belongs to',
      response: { 200: Page(OrgSchema) },
      errors: [],
      auth: 'actor',
      handler: async (_request, _reply, actor) => {
        const orgs = await service.listOrgs(ctx, actor);
        return { items: orgs.map(presentOrg), nextCursor: null };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId',
      tags: ['orgs'],
      summary: 'One organization',
      params: OrgParams,
      response: { 200: OrgSchema },
      errors: [],
      auth: { permission: 'org:read' },
      handler: async (request) => presentOrg(await service.getOrg(ctx, request.params.orgId)),
    });

    route({
      method: 'PATCH',
      url: '/api/v1/orgs/:orgId',
      tags: ['orgs'],
      summary: 'Rename an organization or change its settings',
      params: OrgParams,
      body: Type.Object({ name: Type.Optional(Name), settings: Type.Optional(SettingsInput) }, { additionalProperties: false }),
      response: { 200: OrgSchema },
      errors: ['APP_NOT_FOUND', 'RETURN_TO_NOT_ALLOWED'],
      auth: { permission: 'org:manage' },
      handler: async (request) => {
        const { name, settings } = request.body;
        return presentOrg(
          await service.updateOrg(
            ctx,
            request.params.orgId,
            { ...(name === undefined ? {} : { name }), ...(settings === undefined ? {} : { settings }) },
            hooks.checkDefaultLanding,
          ),
        );
      },
    });

    route({
      method: 'PUT',
      url: '/api/v1/orgs/:orgId/logo',
      tags: ['orgs'],
      summary: "Upload the organization's logo (PNG or JPEG, base64, at most 100 KB); it replaces a logo URL",
      params: OrgParams,
      // A little over what 100 KB takes in base64, so a larger image gets its own code (LOGO_TOO_LARGE).
      body: Type.Object({ data: Type.String({ minLength: 1, maxLength: 1_000_000, pattern: '^[A-Za-z0-9+/]*={0,2}$' }) }, { additionalProperties: false }),
      response: { 200: OrgSchema },
      errors: ['LOGO_TOO_LARGE', 'LOGO_TYPE_UNSUPPORTED'],
      auth: { permission: 'org:manage' },
      options: { bodyLimit: 1_100_000 },
      handler: async (request) => presentOrg(await service.uploadOrgLogo(ctx, request.params.orgId, request.body.data)),
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/logo',
      tags: ['orgs'],
      summary: "Remove the organization's logo (uploaded or URL)",
      params: OrgParams,
      response: { 200: OrgSchema },
      errors: [],
      auth: { permission: 'org:manage' },
      handler: async (request) => presentOrg(await service.removeOrgLogo(ctx, request.params.orgId)),
    });

    // The image itself: public, since emails and the invitee's page show it to people without
    // an account. Other origins (webmail) may load it; it is never run as a document.
    app.get(
      '/api/v1/logos/:orgId',
      {
        schema: {
          tags: ['orgs'],
          summary: "The organization's uploaded logo (PNG or JPEG); 404 LOGO_NOT_FOUND when it has none",
          params: OrgParams,
          produces: ['image/png', 'image/jpeg'],
        },
      },
      async (request, reply) => {
        const { orgId } = request.params as { orgId: string };
        const logo = await service.getOrgLogo(ctx, orgId);
        return reply
          .headers({
            'content-type': logo.content_type,
            'cache-control': 'public, max-age=86400',
            etag: `"${logo.digest}"`,
            'cross-origin-resource-policy': 'cross-origin',
            'content-security-policy': "default-src 'none'",
          })
          .send(Buffer.from(logo.bytes));
      },
    );

    route({
      method: 'PUT',
      url: '/api/v1/admin/orgs/:orgId/trust',
      tags: ['orgs'],
      summary: 'Instance admins only: trust an organization (or withdraw trust)',
      description:
        "A trusted org's own name and sender name appear in the subject and From of its emails, and its hourly quota may go up to INVITATION_QUOTA_MAX; an untrusted one (created by a self-service account) sends under MAIL_FROM's name with a neutral subject, within SELF_SERVICE_QUOTA_MAX. Withdrawing trust lowers the quota to that ceiling.",
      params: OrgParams,
      body: Type.Object({ trusted: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: OrgSchema },
      errors: ['ORG_NOT_FOUND'],
      auth: 'instanceAdmin',
      handler: async (request) =>
        presentOrg(await service.setOrgTrust(ctx.db, ctx.config, request.params.orgId, request.body.trusted, ctx.clock.now())),
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/resources',
      tags: ['orgs'],
      summary: 'Create a resource (a location, a property) that access can be limited to',
      params: OrgParams,
      body: Type.Object({ kind: Kind, name: Name }, { additionalProperties: false }),
      response: { 201: ResourceSchema },
      errors: ['CONFLICT'],
      auth: { permission: 'org:manage' },
      handler: async (request) => presentResource(await service.createResource(ctx, request.params.orgId, request.body)),
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/resources',
      tags: ['orgs'],
      summary: "The organization's resources, by name",
      params: OrgParams,
      query: Type.Object({ ...ListQuery, kind: Type.Optional(Kind) }, { additionalProperties: false }),
      response: { 200: Page(ResourceSchema) },
      errors: ['INVALID_CURSOR'],
      auth: { permission: 'org:read' },
      // An embedded element names the locations of its rows from it (docs/rules.md R81).
      widget: true,
      handler: async (request) => {
        const { limit = 50, cursor, kind } = request.query;
        const after = cursor === undefined ? null : decodeCursor(cursor, ['text', 'uuid']);
        const rows = await service.listResources(ctx, request.params.orgId, { limit, after, kind });
        const page = pageOf(rows, limit, (row) => [row.name, row.id]);
        return { items: page.items.map(presentResource), nextCursor: page.nextCursor };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/resources/:resourceId',
      tags: ['orgs'],
      summary: 'One resource',
      params: ResourceParams,
      response: { 200: ResourceSchema },
      errors: ['RESOURCE_NOT_FOUND'],
      auth: { permission: 'org:read', resourceIdFrom: 'params' },
      handler: async (request) => presentResource(await service.getResource(ctx, request.params.orgId, request.params.resourceId)),
    });

    route({
      method: 'PATCH',
      url: '/api/v1/orgs/:orgId/resources/:resourceId',
      tags: ['orgs'],
      summary: 'Rename a resource or change its kind',
      params: ResourceParams,
      body: Type.Object({ kind: Type.Optional(Kind), name: Type.Optional(Name) }, { additionalProperties: false }),
      response: { 200: ResourceSchema },
      errors: ['RESOURCE_NOT_FOUND', 'CONFLICT'],
      auth: { permission: 'org:manage', resourceIdFrom: 'params' },
      handler: async (request) => {
        const { orgId, resourceId } = request.params;
        const { kind, name } = request.body;
        return presentResource(
          await service.updateResource(ctx, orgId, resourceId, {
            ...(kind === undefined ? {} : { kind }),
            ...(name === undefined ? {} : { name }),
          }),
        );
      },
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/resources/:resourceId',
      tags: ['orgs'],
      summary: 'Delete a resource; its grants and invitations go with it',
      params: ResourceParams,
      response: { 204: Type.Null() },
      errors: ['RESOURCE_NOT_FOUND'],
      // Deleting a resource is an org-wide decision: its own admins may not.
      auth: { permission: 'org:manage' },
      handler: async (request, _reply, actor) => {
        await service.deleteResource(ctx, actor, request.params.orgId, request.params.resourceId);
        return null;
      },
    });
  };
}
