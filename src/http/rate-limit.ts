/**
 * Abuse limits (docs/rules.md R39) on @fastify/rate-limit. The plugin is registered with
 * `global: false`; a route opts in through its `config`. Answers are 429 RATE_LIMITED with
 * `Retry-After`. Counters live in the process: with several instances each keeps its own.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';

export async function registerRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new AppError('RATE_LIMITED', { headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) } }),
  });
}

/** Route config for the per-IP limit on auth and invitee endpoints (AUTH_RATE_LIMIT per minute). */
export function authRateLimit(ctx: AppContext) {
  const max = ctx.config.authRateLimit;
  return max === 0 ? { rateLimit: false as const } : { rateLimit: { max, timeWindow: '1 minute' } };
}

/**
 * A per-key limit (for example per account on sign-in), checked inside a handler in addition
 * to the per-IP route limit.
 */
export function keyedLimit(ctx: AppContext, perMinute: number) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return (key: string): void => {
    if (ctx.config.authRateLimit === 0) return;
    const now = Date.now();
    const entry = hits.get(key);
    if (entry === undefined || entry.resetAt <= now) {
      if (hits.size > 100_000) hits.clear();
      hits.set(key, { count: 1, resetAt: now + 60_000 });
      return;
    }
    entry.count += 1;
    if (entry.count > perMinute) {
      throw new AppError('RATE_LIMITED', { headers: { 'retry-after': String(Math.ceil((entry.resetAt - now) / 1000)) } });
    }
  };
}

export function clientIp(request: FastifyRequest): string | null {
  return request.ip === '' ? null : request.ip;
}
