/**
 * The security headers of every answer, in one place (@fastify/helmet): API JSON, errors, the
 * operations endpoints, /docs, the console and invitation pages, static files.
 *
 * - One Content-Security-Policy, as strict as the console needs and no stricter: scripts and
 *   styles are its own built files (inline styles for Vue and Swagger UI), images its own,
 *   data: or https: (an org's logo URL), mail previews render in a sandboxed srcdoc frame. Nothing may frame any page
 *   (`frame-ancestors 'none'`, X-Frame-Options DENY), /docs included.
 * - `Referrer-Policy: no-referrer`: pages that carry a token in their path (invitation, setup,
 *   verification, reset links) must not leak it.
 * - `X-Content-Type-Options: nosniff` everywhere.
 * - `Strict-Transport-Security` when PUBLIC_URL is https.
 * - `Cache-Control: no-store` on every answer that does not choose its own caching: API answers
 *   hold personal data and must not stay in a shared or browser cache. The console page
 *   (no-cache), hashed assets (immutable) and the icon set their own.
 * - The open-tracking pixel is the one resource other origins (webmail) load: it is marked
 *   `Cross-Origin-Resource-Policy: cross-origin`, everything else same-origin.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  // https: for an org's logo given as a URL (docs/rules.md R70); images run no script.
  imgSrc: ["'self'", 'data:', 'https:'],
  styleSrc: ["'self'", "'unsafe-inline'"],
  scriptSrc: ["'self'"],
  frameSrc: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  objectSrc: ["'none'"],
};

/** One year, the figure HSTS preload lists ask for. */
const HSTS_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

export async function registerSecurityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    strictTransportSecurity: config.publicUrl.startsWith('https:') ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/t/')) void reply.header('cross-origin-resource-policy', 'cross-origin');
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    return payload;
  });
}
