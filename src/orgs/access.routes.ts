/**
 * Roles, grants and access lists:
 * GET/POST /roles (GET also ?resourceId=), PATCH/DELETE /roles/:key, GET /access?resourceId=, POST /access/check,
 * PUT/DELETE /members/:userId/grants (all under /api/v1/orgs/:orgId).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSION_PATTERN } from '../auth/permissions.js';
import { authorize } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import { ErrorSchema, OrgParams, Uuid } from '../http/schemas.js';
import { InvitationSchema, InvitationStatusSchema } from '../invitations/invitation.presenter.js';
import { listAccess, presentPendingFor } from './access.service.js';
import { presentGrant } from './grant.repository.js';
import { checkAccess, removeGrant, setGrant } from './grant.service.js';
import { MemberUserSchema, RoleSchema } from './org.presenter.js';
import { createRole, deleteRole, listRoles, ROLE_KEY_PATTERN, updateRole } from './role.service.js';

const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const RoleKey = Type.String({ pattern: ROLE_KEY_PATTERN });
const RoleName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const Permissions = Type.Array(Type.String({ maxLength: 81 }), { maxItems: 200 });
const RoleParams = Type.Object({ orgId: Uuid, key: RoleKey });
const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });
const NullableUuid = Type.Union([Uuid, Type.Null()]);

/** A pending invitation as `members:read` alone may see it (access.service presentPendingFor). */
const PendingAccessSchema = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: Type.String(),
  resourceId: NullableUuid,
  status: InvitationStatusSchema,
  expiresAt: Type.String({ format: 'date-time' }),
});

export const GrantSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  userId: Uuid,
  resourceId: NullableUuid,
  role: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export function accessRoutes(ctx: AppContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/v1/orgs/:orgId/roles',
      {
        schema: {
          tags: ['roles'],
          summary: 'Built-in and custom roles with their permissions',
          description:
            'With `resourceId`, `org:read` is checked at that resource, so someone who holds access on one resource only (its owner or admin) can name and grant roles there.',
          params: OrgParams,
          querystring: Type.Object({ resourceId: Type.Optional(Uuid) }, { additionalProperties: false }),
          response: { 200: Type.Object({ items: Type.Array(RoleSchema) }), ...Errors },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        await authorize(ctx.db, request.actor, 'org:read', { orgId, resourceId: request.query.resourceId ?? null });
        return { items: await listRoles(ctx, orgId) };
      },
    );

    app.post(
      '/api/v1/orgs/:orgId/roles',
      {
        schema: {
          tags: ['roles'],
          summary: 'Create a custom role: a named set of permissions',
          params: OrgParams,
          body: Type.Object({ key: RoleKey, name: RoleName, permissions: Permissions }, { additionalProperties: false }),
          response: { 201: RoleSchema, ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId } = request.params;
        const actor = await authorize(ctx.db, request.actor, 'roles:manage', { orgId });
        return reply.status(201).send(await createRole(ctx, actor, orgId, request.body));
      },
    );

    app.patch(
      '/api/v1/orgs/:orgId/roles/:key',
      {
        schema: {
          tags: ['roles'],
          summary: 'Rename a custom role or change its permissions',
          params: RoleParams,
          body: Type.Object({ name: Type.Optional(RoleName), permissions: Type.Optional(Permissions) }, { additionalProperties: false }),
          response: { 200: RoleSchema, ...Errors },
        },
      },
      async (request) => {
        const { orgId, key } = request.params;
        const actor = await authorize(ctx.db, request.actor, 'roles:manage', { orgId });
        const { name, permissions } = request.body;
        return updateRole(ctx, actor, orgId, key, {
          ...(name === undefined ? {} : { name }),
          ...(permissions === undefined ? {} : { permissions }),
        });
      },
    );

    app.delete(
      '/api/v1/orgs/:orgId/roles/:key',
      {
        schema: {
          tags: ['roles'],
          summary: 'Delete a custom role nobody holds or is invited to',
          params: RoleParams,
          response: { 204: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId, key } = request.params;
        const actor = await authorize(ctx.db, request.actor, 'roles:manage', { orgId });
        await deleteRole(ctx, actor, orgId, key);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/access',
      {
        schema: {
          tags: ['access'],
          summary: 'Everyone with access (org-wide and, for a resource, its own grants) and the pending invitations',
          description:
            'A pending invitation comes whole only to a caller who may read invitations at its scope (`invitations:read`); to anyone else it is `{ id, email, role, resourceId, status, expiresAt }`.',
          params: OrgParams,
          querystring: Type.Object({ resourceId: Type.Optional(Uuid) }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              items: Type.Array(
                Type.Object({ user: MemberUserSchema, role: Type.String(), resourceId: NullableUuid, inherited: Type.Boolean() }),
              ),
              pending: Type.Array(Type.Union([InvitationSchema, PendingAccessSchema])),
            }),
            ...Errors,
          },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        const resourceId = request.query.resourceId ?? null;
        const actor = await authorize(ctx.db, request.actor, 'members:read', { orgId, resourceId });
        const access = await listAccess(ctx, orgId, resourceId);
        return { items: access.items, pending: await presentPendingFor(ctx, actor, orgId, access.pending) };
      },
    );

    app.post(
      '/api/v1/orgs/:orgId/access/check',
      {
        schema: {
          tags: ['access'],
          summary: 'Does a user hold a permission here? For host apps enforcing areas of their own UI',
          params: OrgParams,
          body: Type.Object(
            { userId: Uuid, permission: Type.String({ pattern: PERMISSION_PATTERN }), resourceId: Type.Optional(Uuid) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              allowed: Type.Boolean(),
              role: Type.Union([Type.String(), Type.Null()]),
              via: Type.Union([Type.Literal('org'), Type.Literal('resource'), Type.Null()]),
            }),
            ...Errors,
          },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        const { userId, permission, resourceId } = request.body;
        await authorize(ctx.db, request.actor, 'members:read', { orgId, resourceId: resourceId ?? null });
        return checkAccess(ctx, { orgId, userId, permission, resourceId: resourceId ?? null });
      },
    );

    app.put(
      '/api/v1/orgs/:orgId/members/:userId/grants',
      {
        schema: {
          tags: ['access'],
          summary: 'Grant a role to a user org-wide (resourceId null) or on one resource, or change it',
          params: MemberParams,
          body: Type.Object({ resourceId: NullableUuid, role: RoleKey }, { additionalProperties: false }),
          response: { 200: GrantSchema, ...Errors },
        },
      },
      async (request) => {
        const { orgId, userId } = request.params;
        const { resourceId, role } = request.body;
        const actor = await authorize(ctx.db, request.actor, 'members:manage', { orgId, resourceId });
        return presentGrant(await setGrant(ctx, actor, { orgId, userId, resourceId }, role));
      },
    );

    app.delete(
      '/api/v1/orgs/:orgId/members/:userId/grants',
      {
        schema: {
          tags: ['access'],
          summary: "Remove a user's grant org-wide (no resourceId) or on one resource",
          params: MemberParams,
          querystring: Type.Object({ resourceId: Type.Optional(Uuid) }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId, userId } = request.params;
        const resourceId = request.query.resourceId ?? null;
        const actor = await authorize(ctx.db, request.actor, 'members:manage', { orgId, resourceId });
        await removeGrant(ctx, actor, { orgId, userId, resourceId });
        return reply.status(204).send(null);
      },
    );
  };
}
