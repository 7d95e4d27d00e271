/**
 * Prometheus metrics: one registry per app (tests build many apps), request count and duration
 * labelled by the route template (never the raw URL, which may hold a token) and status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

export interface Metrics {
  readonly registry: Registry;
}

export function registerMetrics(app: FastifyInstance, options: { defaultMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests by route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  return { registry };
}

/** Whether the server listens on the loopback interface only (HOST localhost, 127.0.0.0/8 or ::1). */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIP(bare) === 0) return false;
  return ipaddr.process(bare).range() === 'loopback';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Who may read `GET /metrics`: with METRICS_TOKEN set, a caller sending it as
 * `Authorization: Bearer <token>` (401 METRICS_TOKEN_INVALID otherwise); without it, anyone when
 * the server listens on loopback only, nobody otherwise (404 METRICS_DISABLED). The metrics name
 * routes and their traffic, which is not for the public.
 */
export function checkMetricsAccess(config: Config, request: FastifyRequest): void {
  if (config.metricsToken === null) {
    if (isLoopbackHost(config.host)) return;
    throw new AppError('METRICS_DISABLED');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  // Compared as digests: equal length, and no timing hint about the token.
  if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), digest(config.metricsToken))) {
    throw new AppError('METRICS_TOKEN_INVALID', { headers: { 'www-authenticate': 'Bearer realm="metrics"' } });
  }
}
