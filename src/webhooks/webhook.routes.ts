/**
 * /api/v1/orgs/:orgId/webhooks: org endpoints for signed event deliveries (permission
 * `webhooks:manage`), and each endpoint's delivery log.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { ListQuery, OrgParams, Page, Uuid } from '../http/schemas.js';
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
const PageQuery = Type.Object(ListQuery, { additionalProperties: false });

export function webhookRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/webhooks',
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
      response: { 201: CreatedWebhookEndpointSchema },
      errors: ['UNKNOWN_EVENT_TYPE', 'WEBHOOK_URL_FORBIDDEN'],
      auth: { permission: 'webhooks:manage' },
      handler: async (request) => presentCreatedEndpoint(await createWebhookEndpoint(ctx, request.params.orgId, request.body)),
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/webhooks',
      tags: ['webhooks'],
      summary: 'List the webhook endpoints of an organization',
      params: OrgParams,
      query: PageQuery,
      response: { 200: Page(WebhookEndpointSchema) },
      errors: ['INVALID_CURSOR'],
      auth: { permission: 'webhooks:manage' },
      handler: async (request) => {
        const page = await listEndpoints(ctx, request.params.orgId, { limit: request.query.limit ?? 50, cursor: request.query.cursor ?? null });
        return { items: page.items.map(presentWebhookEndpoint), nextCursor: page.nextCursor };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/webhooks/:webhookId',
      tags: ['webhooks'],
      summary: 'One webhook endpoint (without its secret)',
      params: EndpointParams,
      response: { 200: WebhookEndpointSchema },
      errors: ['WEBHOOK_NOT_FOUND'],
      auth: { permission: 'webhooks:manage' },
      handler: async (request) => presentWebhookEndpoint(await getWebhookEndpoint(ctx, request.params.orgId, request.params.webhookId)),
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/webhooks/:webhookId',
      tags: ['webhooks'],
      summary: 'Delete a webhook endpoint; its queued deliveries are not sent',
      params: EndpointParams,
      response: { 204: Type.Null() },
      errors: ['WEBHOOK_NOT_FOUND'],
      auth: { permission: 'webhooks:manage' },
      handler: async (request) => {
        await removeWebhookEndpoint(ctx, request.params.orgId, request.params.webhookId);
        return null;
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/webhooks/:webhookId/deliveries',
      tags: ['webhooks'],
      summary: 'Delivery log of a webhook endpoint, newest first',
      params: EndpointParams,
      query: PageQuery,
      response: { 200: Page(WebhookDeliverySchema) },
      errors: ['WEBHOOK_NOT_FOUND', 'INVALID_CURSOR'],
      auth: { permission: 'webhooks:manage' },
      handler: async (request) => {
        const page = await listDeliveries(ctx, request.params.orgId, request.params.webhookId, {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor ?? null,
        });
        return { items: page.items.map(presentWebhookDelivery), nextCursor: page.nextCursor };
      },
    });
  };
}
