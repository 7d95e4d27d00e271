/**
 * Roles: GET/POST /roles (GET also ?resourceId=), PATCH/DELETE /roles/:key (all under /api/v1/orgs/:orgId).
 * Who may give a role's permissions to a role is the service's finer check (PERMISSION_NOT_GRANTABLE).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { OrgParams, Uuid } from '../http/schemas.js';
import { RoleSchema } from './org.presenter.js';
import { createRole, deleteRole, listRoles, ROLE_KEY_PATTERN, updateRole } from './role.service.js';

const RoleKey = Type.String({ pattern: ROLE_KEY_PATTERN });
const RoleName = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });
const Permissions = Type.Array(Type.String({ maxLength: 81 }), { maxItems: 200 });
const RoleParams = Type.Object({ orgId: Uuid, key: RoleKey });

export function roleRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/roles',
      widget: true,
      tags: ['roles'],
      summary: 'Built-in and custom roles with their permissions',
      description:
        'With `resourceId`, `org:read` is checked at that resource, so someone who holds access on one resource only (its owner or admin) can name and grant roles there.',
      params: OrgParams,
      query: Type.Object({ resourceId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(RoleSchema) }) },
      errors: ['RESOURCE_NOT_FOUND'],
      auth: { permission: 'org:read', resourceIdFrom: 'query' },
      handler: async (request) => ({ items: await listRoles(ctx, request.params.orgId) }),
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/roles',
      tags: ['roles'],
      summary: 'Create a custom role: a named set of permissions',
      params: OrgParams,
      body: Type.Object({ key: RoleKey, name: RoleName, permissions: Permissions }, { additionalProperties: false }),
      response: { 201: RoleSchema },
      errors: ['UNKNOWN_PERMISSION', 'PERMISSION_NOT_GRANTABLE', 'ROLE_EXISTS'],
      auth: { permission: 'roles:manage' },
      handler: async (request, _reply, actor) => createRole(ctx, actor, request.params.orgId, request.body),
    });

    route({
      method: 'PATCH',
      url: '/api/v1/orgs/:orgId/roles/:key',
      tags: ['roles'],
      summary: 'Rename a custom role or change its permissions',
      params: RoleParams,
      body: Type.Object({ name: Type.Optional(RoleName), permissions: Type.Optional(Permissions) }, { additionalProperties: false }),
      response: { 200: RoleSchema },
      errors: ['UNKNOWN_PERMISSION', 'PERMISSION_NOT_GRANTABLE', 'ROLE_NOT_FOUND', 'ROLE_BUILT_IN'],
      auth: { permission: 'roles:manage' },
      handler: async (request, _reply, actor) => {
        const { orgId, key } = request.params;
        const { name, permissions } = request.body;
        return updateRole(ctx, actor, orgId, key, {
          ...(name === undefined ? {} : { name }),
          ...(permissions === undefined ? {} : { permissions }),
        });
      },
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/roles/:key',
      tags: ['roles'],
      summary: 'Delete a custom role nobody holds or is invited to',
      params: RoleParams,
      response: { 204: Type.Null() },
      errors: ['PERMISSION_NOT_GRANTABLE', 'ROLE_NOT_FOUND', 'ROLE_BUILT_IN', 'ROLE_IN_USE'],
      auth: { permission: 'roles:manage' },
      handler: async (request, _reply, actor) => {
        await deleteRole(ctx, actor, request.params.orgId, request.params.key);
        return null;
      },
    });
  };
}
