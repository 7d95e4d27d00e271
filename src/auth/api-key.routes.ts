/**
 * POST/GET /api/v1/orgs/:orgId/api-keys, DELETE /api/v1/orgs/:orgId/api-keys/:keyId (and the
 * collection form DELETE /api-keys?id=, as docs/http-api.md lists DELETE on the collection).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { ErrorSchema, OrgParams, Uuid } from '../http/schemas.js';
import { createApiKey, listApiKeys, presentApiKey, revokeApiKey } from './api-key.service.js';
import { authorize } from './policy.js';
import type { Actor } from './actor.js';

const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema };
const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);

const ApiKeySchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  permissions: Type.Array(Type.String()),
  prefix: Type.String(),
  createdBy: Type.Union([Uuid, Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
});

export function apiKeyRoutes(ctx: AppContext) {
  const revoke = async (actor: Actor | null, orgId: string, keyId: string, reply: FastifyReply) => {
    await authorize(ctx.db, actor, 'api_keys:manage', { orgId });
    await revokeApiKey(ctx, orgId, keyId);
    return reply.status(204).send(null);
  };

  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api/v1/orgs/:orgId/api-keys',
      {
        schema: {
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
          response: { 201: Type.Object({ ...ApiKeySchema.properties, secret: Type.String() }), ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId } = request.params;
        const actor = await authorize(ctx.db, request.actor, 'api_keys:manage', { orgId });
        const { key, secret } = await createApiKey(ctx, actor, orgId, request.body);
        return reply.status(201).send({ ...presentApiKey(key), secret });
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/api-keys',
      {
        schema: {
          tags: ['api keys'],
          summary: "The org's API keys, newest first (never their secrets)",
          params: OrgParams,
          response: { 200: Type.Object({ items: Type.Array(ApiKeySchema), nextCursor: Type.Null() }), ...Errors },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        await authorize(ctx.db, request.actor, 'api_keys:manage', { orgId });
        return { items: (await listApiKeys(ctx, orgId)).map(presentApiKey), nextCursor: null };
      },
    );

    app.delete(
      '/api/v1/orgs/:orgId/api-keys/:keyId',
      {
        schema: {
          tags: ['api keys'],
          summary: 'Revoke an API key',
          params: Type.Object({ orgId: Uuid, keyId: Uuid }),
          response: { 204: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => revoke(request.actor, request.params.orgId, request.params.keyId, reply),
    );

    app.delete(
      '/api/v1/orgs/:orgId/api-keys',
      {
        schema: {
          tags: ['api keys'],
          summary: 'Revoke an API key named by ?id= (same as DELETE /api-keys/:keyId)',
          params: OrgParams,
          querystring: Type.Object({ id: Uuid }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => revoke(request.actor, request.params.orgId, request.query.id, reply),
    );
  };
}
