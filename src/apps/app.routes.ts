/**
 * /api/v1/orgs/:orgId/apps: register, list, read, change and delete host applications, and
 * rotate a confidential app's secret (shown in the create and rotate answers only).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { NullableInput, OrgParams, Uuid } from '../http/schemas.js';
import { AppSchema, AppWithSecretSchema, presentApp } from './app.presenter.js';
import { changeApp, createApp, getApp, listOrgApps, removeApp, rotateAppSecret } from './app.service.js';

const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const UriList = Type.Array(Uri, { maxItems: 20 });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });

const AppParams = Type.Object({ orgId: Uuid, appId: Uuid });

export function appRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps',
      tags: ['apps'],
      summary: 'Register a host application (an OpenID Connect client); a confidential one gets its secret in this answer only',
      params: OrgParams,
      body: Type.Object(
        {
          name: Name,
          type: Type.Union([Type.Literal('confidential'), Type.Literal('public')]),
          redirectUris: Type.Array(Uri, { minItems: 1, maxItems: 20 }),
          postLogoutRedirectUris: Type.Optional(UriList),
          allowedOrigins: Type.Optional(UriList),
          initiateLoginUri: Type.Optional(NullableInput(Uri)),
          firstParty: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: { 201: AppWithSecretSchema },
      errors: ['APP_URI_INVALID'],
      auth: { permission: 'apps:manage' },
      handler: async (request) => {
        const { app: row, clientSecret } = await createApp(ctx, request.params.orgId, request.body);
        return { ...presentApp(row), ...(clientSecret === null ? {} : { clientSecret }) };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/apps',
      tags: ['apps'],
      summary: "The org's apps, oldest first (never their secrets)",
      params: OrgParams,
      response: { 200: Type.Object({ items: Type.Array(AppSchema), nextCursor: Type.Null() }) },
      errors: [],
      auth: { permission: 'apps:manage' },
      handler: async (request) => ({ items: (await listOrgApps(ctx, request.params.orgId)).map(presentApp), nextCursor: null }),
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/apps/:appId',
      tags: ['apps'],
      summary: 'One app',
      params: AppParams,
      response: { 200: AppSchema },
      errors: ['APP_NOT_FOUND'],
      auth: { permission: 'apps:manage' },
      handler: async (request) => presentApp(await getApp(ctx, request.params.orgId, request.params.appId)),
    });

    route({
      method: 'PATCH',
      url: '/api/v1/orgs/:orgId/apps/:appId',
      tags: ['apps'],
      summary: "Change an app's name, URIs or first-party flag (its type and client id never change)",
      params: AppParams,
      body: Type.Object(
        {
          name: Type.Optional(Name),
          redirectUris: Type.Optional(Type.Array(Uri, { minItems: 1, maxItems: 20 })),
          postLogoutRedirectUris: Type.Optional(UriList),
          allowedOrigins: Type.Optional(UriList),
          initiateLoginUri: Type.Optional(NullableInput(Uri)),
          firstParty: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      response: { 200: AppSchema },
      errors: ['APP_NOT_FOUND', 'APP_URI_INVALID'],
      auth: { permission: 'apps:manage' },
      handler: async (request) => presentApp(await changeApp(ctx, request.params.orgId, request.params.appId, request.body)),
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/apps/:appId/secret',
      tags: ['apps'],
      summary: "Rotate a confidential app's secret: the new one is in this answer only, the old one stops working",
      params: AppParams,
      response: { 200: AppWithSecretSchema },
      errors: ['APP_NOT_FOUND', 'APP_NOT_CONFIDENTIAL'],
      auth: { permission: 'apps:manage' },
      handler: async (request) => {
        const { app: row, clientSecret } = await rotateAppSecret(ctx, request.params.orgId, request.params.appId);
        return { ...presentApp(row), clientSecret };
      },
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/apps/:appId',
      tags: ['apps'],
      summary: 'Delete an app; its tokens stop working',
      params: AppParams,
      response: { 204: Type.Null() },
      errors: ['APP_NOT_FOUND'],
      auth: { permission: 'apps:manage' },
      handler: async (request) => {
        await removeApp(ctx, request.params.orgId, request.params.appId);
        return null;
      },
    });
  };
}
