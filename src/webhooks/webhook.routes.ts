/**
 * /api/v1/orgs/:orgId/webhooks: org endpoints for signed event deliveries (permission
 * `webhooks:manage`), and each endpoint's delivery log.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { ErrorSchema, ListQuery, OrgParams, Page, Uuid } from '../http/schemas.js';
import type { RoutePolicy } from '../shared/route-policy.js';
import {
  CreatedWebhookEndpointSchema,
  presentCreatedEndpoint,
  presentWebhookDelivery,
  presentWebhookEndpoint,
  WebhookDeliverySchema,
  WebhookEndpointSchema,
} from './webhook.presenter.js';
import { createWebhookEndpoint, getWebhookEndpoint, listDeliveries, listEndpoints, removeWebhookEndpoint } from './webhook.service.js';

const EndpointParams = Type.Object({ orgId: Uuid, webhookId: Uuid });
const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema };
const PERMISSION = 'webhooks:manage';

export function webhookRoutes(ctx: AppContext, policy: RoutePolicy) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api/v1/orgs/:orgId/webhooks',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Register a webhook endpoint; the answer carries its signing secret, once',
          params: OrgParams,
          body: Type.Object(
            {
              url: Type.String({ minLength: 1, maxLength: 2000 }),
              events: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 50 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: CreatedWebhookEndpointSchema, ...Errors },
        },
      },
      async (request, reply) => {
        await policy.authorizeOrg(request, PERMISSION, request.params.orgId);
        const endpoint = await createWebhookEndpoint(ctx, request.params.orgId, request.body);
        return reply.status(201).send(presentCreatedEndpoint(endpoint));
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/webhooks',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'List the webhook endpoints of an organization',
          params: OrgParams,
          querystring: Type.Object(ListQuery, { additionalProperties: false }),
          response: { 200: Page(WebhookEndpointSchema), ...Errors },
        },
      },
      async (request) => {
        await policy.authorizeOrg(request, PERMISSION, request.params.orgId);
        const page = await listEndpoints(ctx, request.params.orgId, { limit: request.query.limit ?? 50, cursor: request.query.cursor ?? null });
        return { items: page.items.map(presentWebhookEndpoint), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/webhooks/:webhookId',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'One webhook endpoint (without its secret)',
          params: EndpointParams,
          response: { 200: WebhookEndpointSchema, ...Errors },
        },
      },
      async (request) => {
        await policy.authorizeOrg(request, PERMISSION, request.params.orgId);
        return presentWebhookEndpoint(await getWebhookEndpoint(ctx, request.params.orgId, request.params.webhookId));
      },
    );

    app.delete(
      '/api/v1/orgs/:orgId/webhooks/:webhookId',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Delete a webhook endpoint; its queued deliveries are not sent',
          params: EndpointParams,
          response: { 204: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => {
        await policy.authorizeOrg(request, PERMISSION, request.params.orgId);
        await removeWebhookEndpoint(ctx, request.params.orgId, request.params.webhookId);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/webhooks/:webhookId/deliveries',
      {
        schema: {
          tags: ['webhooks'],
          summary: 'Delivery log of a webhook endpoint, newest first',
          params: EndpointParams,
          querystring: Type.Object(ListQuery, { additionalProperties: false }),
          response: { 200: Page(WebhookDeliverySchema), ...Errors },
        },
      },
      async (request) => {
        await policy.authorizeOrg(request, PERMISSION, request.params.orgId);
        const page = await listDeliveries(ctx, request.params.orgId, request.params.webhookId, {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor ?? null,
        });
        return { items: page.items.map(presentWebhookDelivery), nextCursor: page.nextCursor };
      },
    );
  };
}
