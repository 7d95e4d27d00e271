/**
 * Operations endpoints: liveness, readiness, metrics, and the OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { isReady } from '../db/database.js';
import { checkMetricsAccess, type Metrics } from './metrics.js';

const Status = Type.Object({ status: Type.String() });

export function opsRoutes(ctx: AppContext, metrics: Metrics) {
  return async (app: FastifyInstance) => {
    app.get(
      '/healthz',
      { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Status } } },
      async () => ({ status: 'ok' }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          tags: ['operations'],
          summary: 'The database answers and every migration is applied',
          response: { 200: Status, 503: Status },
        },
      },
      async (_request, reply) =>
        (await isReady(ctx.db)) ? { status: 'ready' } : reply.status(503).send({ status: 'not ready' }),
    );
    app.get(
      '/metrics',
      // The metrics token is not a session or an API key: the route reads its own credentials.
      { schema: { tags: ['operations'], summary: 'Prometheus metrics', hide: true }, config: { ownCredentials: true } },
      async (request, reply) => {
        checkMetricsAccess(ctx.config, request);
        return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      },
    );
    app.get(
      '/openapi.json',
      { schema: { tags: ['operations'], summary: 'This API as OpenAPI 3', hide: true } },
      async () => app.swagger(),
    );
  };
}
