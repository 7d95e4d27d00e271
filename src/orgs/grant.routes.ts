/**
 * Grants and the access check: PUT/DELETE /members/:userId/grants, POST /access/check (all under
 * /api/v1/orgs/:orgId). Whether the caller may give or take the role itself is the service's
 * finer check (assertGrantable).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PERMISSION_PATTERN } from '../auth/permissions.js';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { OrgParams, Uuid } from '../http/schemas.js';
import { GrantSchema, presentGrant } from './grant.presenter.js';
import { checkAccess, removeGrant, setGrant } from './grant.service.js';
import { ROLE_KEY_PATTERN } from './role.service.js';

const RoleKey = Type.String({ pattern: ROLE_KEY_PATTERN });
const MemberParams = Type.Object({ orgId: Uuid, userId: Uuid });
const NullableUuid = Type.Union([Uuid, Type.Null()]);

export function grantRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/access/check',
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
      },
      errors: ['RESOURCE_NOT_FOUND'],
      auth: { permission: 'members:read', resourceIdFrom: 'body' },
      handler: async (request) => {
        const { userId, permission, resourceId } = request.body;
        return checkAccess(ctx, { orgId: request.params.orgId, userId, permission, resourceId: resourceId ?? null });
      },
    });

    route({
      method: 'PUT',
      url: '/api/v1/orgs/:orgId/members/:userId/grants',
      widget: true,
      tags: ['access'],
      summary: 'Grant a role to a user org-wide (resourceId null) or on one resource, or change it',
      params: MemberParams,
      body: Type.Object({ resourceId: NullableUuid, role: RoleKey }, { additionalProperties: false }),
      response: { 200: GrantSchema },
      errors: ['RESOURCE_NOT_FOUND', 'USER_NOT_FOUND', 'ROLE_NOT_FOUND', 'ROLE_NOT_GRANTABLE', 'LAST_OWNER'],
      auth: { permission: 'members:manage', resourceIdFrom: 'body' },
      handler: async (request, _reply, actor) => {
        const { orgId, userId } = request.params;
        const { resourceId, role } = request.body;
        return presentGrant(await setGrant(ctx, actor, { orgId, userId, resourceId }, role));
      },
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/members/:userId/grants',
      widget: true,
      tags: ['access'],
      summary: "Remove a user's grant org-wide (no resourceId) or on one resource",
      params: MemberParams,
      query: Type.Object({ resourceId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: { 204: Type.Null() },
      errors: ['RESOURCE_NOT_FOUND', 'GRANT_NOT_FOUND', 'ROLE_NOT_GRANTABLE', 'LAST_OWNER'],
      auth: { permission: 'members:manage', resourceIdFrom: 'query' },
      handler: async (request, _reply, actor) => {
        const { orgId, userId } = request.params;
        await removeGrant(ctx, actor, { orgId, userId, resourceId: request.query.resourceId ?? null });
        return null;
      },
    });
  };
}
