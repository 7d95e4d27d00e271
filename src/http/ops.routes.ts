/**
 * Operations endpoints: liveness, readiness, metrics, and the OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { isReady } from '../db/database.js';
import { checkMetricsAccess, type Metrics } from './metrics.js';
import { router } from './route.js';

const Status = Type.Object({ status: Type.String() });
/** What /metrics and /openapi.json answer is not described here; they are left out of the document. */
const Undescribed = {};

export function opsRoutes(ctx: AppContext, metrics: Metrics) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);
    route({
      method: 'GET',
      url: '/healthz',
      tags: ['operations'],
      summary: 'The process is up',
      response: { 200: Status },
      errors: [],
      auth: 'public',
      handler: async () => ({ status: 'ok' }),
    });
    route({
      method: 'GET',
      url: '/readyz',
      tags: ['operations'],
      summary: 'The database answers and every migration is applied',
      response: { 200: Status, 503: Status },
      errors: [],
      auth: 'public',
      handler: async (_request, reply) => ((await isReady(ctx.db)) ? { status: 'ready' } : reply.status(503).send({ status: 'not ready' })),
    });
    route({
      method: 'GET',
      url: '/metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      hide: true,
      response: Undescribed,
      errors: ['METRICS_DISABLED', 'METRICS_TOKEN_INVALID'],
      auth: 'public',
      // The metrics token is not a session or an API key: the route reads its own credentials.
      options: { config: { ownCredentials: true } },
      handler: async (request, reply) => {
        checkMetricsAccess(ctx.config, request);
        return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    });
    route({
      method: 'GET',
      url: '/openapi.json',
      tags: ['operations'],
      summary: 'This API as OpenAPI 3',
      hide: true,
      response: Undescribed,
      errors: [],
      auth: 'public',
      handler: async (_request, reply) => reply.send(app.swagger()),
    });
  };
}
