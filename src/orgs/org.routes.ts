/**
 * Orgs and resources:
 * POST/GET /api/v1/orgs, GET/PATCH /api/v1/orgs/:orgId, PUT /api/v1/admin/orgs/:orgId/trust (instance admins),
 * POST/GET /api/v1/orgs/:orgId/resources, GET/PATCH/DELETE /api/v1/orgs/:orgId/resources/:resourceId.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { requireActor, requireInstanceAdmin, requireUser } from '../auth/actor.js';
import { authorize } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import { decodeCursor, pageOf, uuidCursor } from '../http/cursor.js';
import { ErrorSchema, ListQuery, NullableInput, OrgParams, Page, Uuid } from '../http/schemas.js';
import { OrgSchema, presentOrg, presentResource, ResourceSchema } from './org.presenter.js';
import * as service from './org.service.js';

const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
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
  },
  { additionalProperties: false },
);

export function orgRoutes(ctx: AppContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api/v1/orgs',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Create an organization; the caller becomes its owner',
          body: Type.Object({ name: Name }, { additionalProperties: false }),
          response: { 201: OrgSchema, ...Errors },
        },
      },
      async (request, reply) => {
        const actor = requireUser(request);
        const org = await service.createOrg(ctx, actor, request.body);
        return reply.status(201).send(presentOrg(org));
      },
    );

    app.get(
      '/api/v1/orgs',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Organizations the caller belongs to',
          response: { 200: Page(OrgSchema), ...Errors },
        },
      },
      async (request) => {
        const orgs = await service.listOrgs(ctx, requireActor(request));
        return { items: orgs.map(presentOrg), nextCursor: null };
      },
    );

    app.get(
      '/api/v1/orgs/:orgId',
      { schema: { tags: ['orgs'], summary: 'One organization', params: OrgParams, response: { 200: OrgSchema, ...Errors } } },
      async (request) => {
        const { orgId } = request.params;
        await authorize(ctx.db, request.actor, 'org:read', { orgId });
        return presentOrg(await service.getOrg(ctx, orgId));
      },
    );

    app.patch(
      '/api/v1/orgs/:orgId',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Rename an organization or change its settings',
          params: OrgParams,
          body: Type.Object({ name: Type.Optional(Name), settings: Type.Optional(SettingsInput) }, { additionalProperties: false }),
          response: { 200: OrgSchema, ...Errors },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        await authorize(ctx.db, request.actor, 'org:manage', { orgId });
        const { name, settings } = request.body;
        return presentOrg(
          await service.updateOrg(ctx, orgId, {
            ...(name === undefined ? {} : { name }),
            ...(settings === undefined ? {} : { settings }),
          }),
        );
      },
    );

    app.put(
      '/api/v1/admin/orgs/:orgId/trust',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Instance admins only: trust an organization (or withdraw trust)',
          description:
            "A trusted org's own name and sender name appear in the subject and From of its emails, and its hourly quota may go up to INVITATION_QUOTA_MAX; an untrusted one (created by a self-service account) sends under MAIL_FROM's name with a neutral subject, within SELF_SERVICE_QUOTA_MAX. Withdrawing trust lowers the quota to that ceiling.",
          params: OrgParams,
          body: Type.Object({ trusted: Type.Boolean() }, { additionalProperties: false }),
          response: { 200: OrgSchema, ...Errors },
        },
      },
      async (request) => {
        requireInstanceAdmin(request);
        return presentOrg(await service.setOrgTrust(ctx.db, ctx.config, request.params.orgId, request.body.trusted, ctx.clock.now()));
      },
    );

    app.post(
      '/api/v1/orgs/:orgId/resources',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Create a resource (a location, a property) that access can be limited to',
          params: OrgParams,
          body: Type.Object({ kind: Kind, name: Name }, { additionalProperties: false }),
          response: { 201: ResourceSchema, ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId } = request.params;
        await authorize(ctx.db, request.actor, 'org:manage', { orgId });
        return reply.status(201).send(presentResource(await service.createResource(ctx, orgId, request.body)));
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/resources',
      {
        schema: {
          tags: ['orgs'],
          summary: "The organization's resources, by name",
          params: OrgParams,
          querystring: Type.Object({ ...ListQuery, kind: Type.Optional(Kind) }, { additionalProperties: false }),
          response: { 200: Page(ResourceSchema), ...Errors },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        await authorize(ctx.db, request.actor, 'org:read', { orgId });
        const { limit = 50, cursor, kind } = request.query;
        const after = cursor === undefined ? null : uuidCursor(decodeCursor(cursor, 2));
        const rows = await service.listResources(ctx, orgId, { limit, after, kind });
        const page = pageOf(rows, limit, (row) => [row.name, row.id]);
        return { items: page.items.map(presentResource), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/resources/:resourceId',
      { schema: { tags: ['orgs'], summary: 'One resource', params: ResourceParams, response: { 200: ResourceSchema, ...Errors } } },
      async (request) => {
        const { orgId, resourceId } = request.params;
        await authorize(ctx.db, request.actor, 'org:read', { orgId, resourceId });
        return presentResource(await service.getResource(ctx, orgId, resourceId));
      },
    );

    app.patch(
      '/api/v1/orgs/:orgId/resources/:resourceId',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Rename a resource or change its kind',
          params: ResourceParams,
          body: Type.Object({ kind: Type.Optional(Kind), name: Type.Optional(Name) }, { additionalProperties: false }),
          response: { 200: ResourceSchema, ...Errors },
        },
      },
      async (request) => {
        const { orgId, resourceId } = request.params;
        await authorize(ctx.db, request.actor, 'org:manage', { orgId, resourceId });
        const { kind, name } = request.body;
        return presentResource(
          await service.updateResource(ctx, orgId, resourceId, {
            ...(kind === undefined ? {} : { kind }),
            ...(name === undefined ? {} : { name }),
          }),
        );
      },
    );

    app.delete(
      '/api/v1/orgs/:orgId/resources/:resourceId',
      {
        schema: {
          tags: ['orgs'],
          summary: 'Delete a resource; its grants and invitations go with it',
          params: ResourceParams,
          response: { 204: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId, resourceId } = request.params;
        const actor = await authorize(ctx.db, request.actor, 'org:manage', { orgId });
        await service.deleteResource(ctx, actor, orgId, resourceId);
        return reply.status(204).send(null);
      },
    );
  };
}
