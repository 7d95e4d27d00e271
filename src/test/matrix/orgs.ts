/** Authorization matrix entries for orgs, resources, roles, access and grants. */
import { ADMINS, EVERY_MEMBER, type MatrixEntry } from './types.js';

const org = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}`;

/** A 1×1 PNG, base64. */
export const TINY_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

export const ORG_MATRIX: MatrixEntry[] = [
  { method: 'GET', route: '/api/v1/orgs/:orgId', allowed: EVERY_MEMBER, ok: 200, request: (w) => ({ url: org(w) }) },
  { method: 'PATCH', route: '/api/v1/orgs/:orgId', allowed: ADMINS, ok: 200, request: (w) => ({ url: org(w), payload: { name: 'Renamed' } }) },
  { method: 'PUT', route: '/api/v1/orgs/:orgId/logo', allowed: ADMINS, ok: 200, request: (w) => ({ url: `${org(w)}/logo`, payload: { data: TINY_PNG } }) },
  { method: 'DELETE', route: '/api/v1/orgs/:orgId/logo', allowed: ADMINS, ok: 200, request: (w) => ({ url: `${org(w)}/logo` }) },

  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/resources',
    allowed: ADMINS,
    ok: 201,
    request: (w) => ({ url: `${org(w)}/resources`, payload: { kind: 'location', name: w.unique() } }),
  },
  { method: 'GET', route: '/api/v1/orgs/:orgId/resources', allowed: EVERY_MEMBER, ok: 200, request: (w) => ({ url: `${org(w)}/resources` }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/resources/:resourceId',
    allowed: [...EVERY_MEMBER, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${org(w)}/resources/${w.resourceId}` }),
  },
  {
    method: 'PATCH',
    route: '/api/v1/orgs/:orgId/resources/:resourceId',
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${org(w)}/resources/${w.resourceId}`, payload: { kind: 'location' } }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/resources/:resourceId',
    allowed: ADMINS,
    ok: 204,
    request: async (w) => ({ url: `${org(w)}/resources/${await w.newResource()}` }),
  },

  { method: 'GET', route: '/api/v1/orgs/:orgId/roles', allowed: EVERY_MEMBER, ok: 200, request: (w) => ({ url: `${org(w)}/roles` }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/roles',
    variant: 'at a resource',
    allowed: [...EVERY_MEMBER, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${org(w)}/roles?resourceId=${w.resourceId}` }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/roles',
    allowed: ADMINS,
    ok: 201,
    request: (w) => ({ url: `${org(w)}/roles`, payload: { key: `r${w.unique()}`, name: 'Reader', permissions: ['people:read'] } }),
  },
  {
    method: 'PATCH',
    route: '/api/v1/orgs/:orgId/roles/:key',
    allowed: ADMINS,
    ok: 200,
    request: async (w) => ({ url: `${org(w)}/roles/${await w.newRole()}`, payload: { name: 'Renamed' } }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/roles/:key',
    allowed: ADMINS,
    ok: 204,
    request: async (w) => ({ url: `${org(w)}/roles/${await w.newRole()}` }),
  },

  { method: 'GET', route: '/api/v1/orgs/:orgId/access', allowed: EVERY_MEMBER, ok: 200, request: (w) => ({ url: `${org(w)}/access` }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/access',
    variant: 'at a resource',
    allowed: [...EVERY_MEMBER, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${org(w)}/access?resourceId=${w.resourceId}` }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/access/check',
    allowed: EVERY_MEMBER,
    ok: 200,
    request: (w) => ({ url: `${org(w)}/access/check`, payload: { userId: w.ownerId, permission: 'people:read' } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/access/check',
    variant: 'at a resource',
    allowed: [...EVERY_MEMBER, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${org(w)}/access/check`, payload: { userId: w.ownerId, permission: 'people:read', resourceId: w.resourceId } }),
  },

  {
    method: 'PUT',
    route: '/api/v1/orgs/:orgId/members/:userId/grants',
    allowed: ADMINS,
    ok: 200,
    request: async (w) => ({ url: `${org(w)}/members/${await w.newUser()}/grants`, payload: { resourceId: null, role: 'viewer' } }),
  },
  {
    method: 'PUT',
    route: '/api/v1/orgs/:orgId/members/:userId/grants',
    variant: 'at a resource',
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 200,
    request: async (w) => ({ url: `${org(w)}/members/${await w.newUser()}/grants`, payload: { resourceId: w.resourceId, role: 'viewer' } }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/members/:userId/grants',
    allowed: ADMINS,
    ok: 204,
    request: async (w) => {
      const userId = await w.newUser();
      await w.t.ctx.db.insertInto('grants').values({ org_id: w.orgId, user_id: userId, role: 'viewer', resource_id: null, updated_at: w.t.clock.now() }).execute();
      return { url: `${org(w)}/members/${userId}/grants` };
    },
  },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/members/:userId/grants',
    variant: 'at a resource',
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 204,
    request: async (w) => {
      const userId = await w.newUser();
      await w.t.ctx.db.insertInto('grants').values({ org_id: w.orgId, user_id: userId, role: 'viewer', resource_id: w.resourceId, updated_at: w.t.clock.now() }).execute();
      return { url: `${org(w)}/members/${userId}/grants?resourceId=${w.resourceId}` };
    },
  },
];

export const API_KEY_MATRIX: MatrixEntry[] = [
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/api-keys',
    allowed: ADMINS,
    ok: 201,
    request: (w) => ({ url: `${org(w)}/api-keys`, payload: { name: 'Integration', permissions: ['people:read'] } }),
  },
  { method: 'GET', route: '/api/v1/orgs/:orgId/api-keys', allowed: ADMINS, ok: 200, request: (w) => ({ url: `${org(w)}/api-keys` }) },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/api-keys/:keyId',
    allowed: ADMINS,
    ok: 204,
    request: async (w) => ({ url: `${org(w)}/api-keys/${await w.newApiKey()}` }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/api-keys',
    allowed: ADMINS,
    ok: 204,
    request: async (w) => ({ url: `${org(w)}/api-keys?id=${await w.newApiKey()}` }),
  },
];
