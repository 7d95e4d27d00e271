/**
 * POST/GET /api/v1/orgs/:orgId/api-keys, DELETE /api/v1/orgs/:orgId/api-keys/:keyId (and the
 * collection form DELETE /api-keys?id=, as docs/http-api.md lists DELETE on the collection).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { OrgParams, Uuid } from '../http/schemas.js';
import { ApiKeySchema, NewApiKeyComponent, presentApiKey } from './api-key.presenter.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-key.service.js';

export function apiKeyRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/api-keys',
      tags: ['api keys'],
      summary: 'Create an API key; its secret appears in this answer only',
      params: OrgParams,
      body: Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
          permissions: Type.Array(Type.String({ maxLength: 81 }), { minItems: 1, maxItems: 200 }),
        },
        { additionalProperties: false },
      ),
      response: { 201: NewApiKeyComponent.ref },
      errors: ['UNKNOWN_PERMISSION', 'PERMISSION_NOT_GRANTABLE'],
      auth: { permission: 'api_keys:manage' },
      handler: async (request, _reply, actor) => {
        const { key, secret } = await createApiKey(ctx, actor, request.params.orgId, request.body);
        return { ...presentApiKey(key), secret };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/api-keys',
      tags: ['api keys'],
      summary: "The org's API keys, newest first (never their secrets)",
      params: OrgParams,
      response: { 200: Type.Object({ items: Type.Array(ApiKeySchema), nextCursor: Type.Null() }) },
      errors: [],
      auth: { permission: 'api_keys:manage' },
      handler: async (request) => ({ items: (await listApiKeys(ctx, request.params.orgId)).map(presentApiKey), nextCursor: null }),
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/api-keys/:keyId',
      tags: ['api keys'],
      summary: 'Revoke an API key',
      params: Type.Object({ orgId: Uuid, keyId: Uuid }),
      response: { 204: Type.Null() },
      errors: ['API_KEY_NOT_FOUND'],
      auth: { permission: 'api_keys:manage' },
      handler: async (request) => {
        await revokeApiKey(ctx, request.params.orgId, request.params.keyId);
        return null;
      },
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/api-keys',
      tags: ['api keys'],
      summary: 'Revoke an API key named by ?id= (same as DELETE /api-keys/:keyId)',
      params: OrgParams,
      query: Type.Object({ id: Uuid }, { additionalProperties: false }),
      response: { 204: Type.Null() },
      errors: ['API_KEY_NOT_FOUND'],
      auth: { permission: 'api_keys:manage' },
      handler: async (request) => {
        await revokeApiKey(ctx, request.params.orgId, request.query.id);
        return null;
      },
    });
  };
}
