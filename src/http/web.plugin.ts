/**
 * Serves the built Vue console (dist/web, written by `vite build`) from the API process, so
 * production has one server. Hashed assets are served by @fastify/static; every other GET of a
 * console path answers index.html and the Vue router takes over (SPA fallback).
 *
 * The fallback never swallows the API or the operations endpoints: an unknown path under
 * RESERVED_PREFIXES keeps the JSON 404 of the error handler. `/invite/:token` is the
 * invitations route's (GET/HEAD change no state there); it answers with consoleHtml() too.
 *
 * The plugin lives in src/http/ rather than src/web/ because tsc compiles src/ into dist/ and
 * Vite writes the console to dist/web/: a src/web/ folder would be emptied by every Vite build.
 *
 * Assets leave compressed (brotli or gzip, as the browser accepts; @fastify/compress, scoped to
 * this plugin so API bodies and requests are untouched), and source maps are never served: the
 * build writes none, and a `.map` file put in the folder anyway answers 404.
 *
 * The embeddable elements (dist/embed, written by the web/embed Vite build beside dist/web) are
 * served at /embed/v1/ for other origins' pages: `Access-Control-Allow-Origin: *` and
 * `Cross-Origin-Resource-Policy: cross-origin` (a cross-origin module script needs both), cached
 * for a day and revalidated by ETag (the file name is stable, so hosts keep one script tag and
 * get a new build within a day). The bundle holds no data; the API it calls is what checks the
 * widget token (docs/rules.md R89).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fastifyCompress from '@fastify/compress';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../errors.js';

/** dist/web of this checkout: the same from src/http (tests) and dist/http (built). */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Paths that belong to the API and operations; they are never answered with the console. */
const RESERVED_PREFIXES = ['/api/', '/t/', '/invite/', '/docs', '/assets/', '/embed/'];
const RESERVED_PATHS = new Set(['/api', '/healthz', '/readyz', '/metrics', '/openapi.json', '/invite', '/t', '/theme.css']);

/** Where the operator's THEME_CSS is served; linked after the built CSS so its tokens win. */
export const THEME_PATH = '/theme.css';

export function isConsolePath(url: string): boolean {
  const pathname = url.split('?')[0] ?? '';
  if (RESERVED_PATHS.has(pathname)) return false;
  return !RESERVED_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

const NOT_BUILT_HTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Gatehouse</title></head>
<body><h1>Gatehouse</h1><p>The web console is not built. Run <code>npm run build</code>, then start the server again.</p></body></html>`;

/**
 * What the console page adds to the security headers every answer carries (one CSP, no referrer,
 * no framing, nosniff: see security-headers.ts): it is HTML, and revalidated on every load so a
 * new build is picked up (its assets are named by content hash).
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
};

/**
 * The console's index.html from `root`, or a page saying it is not built. Read on each call (a
 * small file the OS keeps cached), so no process-wide cache outlives or spans apps.
 */
export function consoleHtml(root: string = DEFAULT_WEB_ROOT, options: { theme?: boolean } = {}): string {
  const file = path.join(root, 'index.html');
  if (!existsSync(file)) return NOT_BUILT_HTML;
  const html = readFileSync(file, 'utf8');
  // Last in <head>, after the built stylesheet: the operator's tokens override the defaults.
  return options.theme === true ? html.replace('</head>', `<link rel="stylesheet" href="${THEME_PATH}">\n</head>`) : html;
}

/** Sends the console page with its headers; for any route that answers with the Vue app. */
export function sendConsole(reply: FastifyReply, root: string = DEFAULT_WEB_ROOT, options: { theme?: boolean } = {}): FastifyReply {
  return reply.headers(CONSOLE_HEADERS).send(consoleHtml(root, options));
}

/** The embed bundle's URL prefix: a new major version of the elements gets a new prefix beside it. */
export const EMBED_PREFIX = '/embed/v1/';

/** Headers of every file under /embed/v1/ (see the module comment). */
export const EMBED_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
  'cache-control': 'public, max-age=86400',
};

export function webRoutes(options: { root?: string; embedRoot?: string; themeCss?: string | null } = {}) {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  const embedRoot = options.embedRoot ?? path.join(root, '..', 'embed');
  const themeCss = options.themeCss ?? null;
  return async (app: FastifyInstance) => {
    await app.register(fastifyCompress, { global: true, encodings: ['br', 'gzip'] });
    const assets = path.join(root, 'assets');
    if (existsSync(assets)) {
      // Registered per file at start-up (wildcard: false), so the catch-all below stays ours.
      await app.register(fastifyStatic, {
        root: assets,
        prefix: '/assets/',
        wildcard: false,
        index: false,
        allowedPath: (pathname) => !pathname.endsWith('.map'),
        setHeaders: (reply) => {
          // Vite names every asset by its content hash.
          void reply.header('cache-control', 'public, max-age=31536000, immutable');
        },
      });
    }
    if (existsSync(embedRoot)) {
      // Its own instance, with decorateReply off: the console's registration above owns `reply.sendFile`.
      await app.register(fastifyStatic, {
        root: embedRoot,
        prefix: EMBED_PREFIX,
        wildcard: false,
        index: false,
        decorateReply: false,
        allowedPath: (pathname) => !pathname.endsWith('.map'),
        setHeaders: (reply) => {
          for (const [name, value] of Object.entries(EMBED_HEADERS)) void reply.header(name, value);
        },
      });
    }
    const favicon = path.join(root, 'favicon.svg');
    if (existsSync(favicon)) {
      const icon = readFileSync(favicon);
      app.get('/favicon.svg', { schema: { hide: true } }, async (_request, reply) =>
        reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon),
      );
    }
    if (themeCss !== null) {
      app.get(THEME_PATH, { schema: { hide: true } }, async (_request, reply) =>
        reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(themeCss)),
      );
    }
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      if (!isConsolePath(request.url)) throw new AppError('NOT_FOUND');
      return sendConsole(reply, root, { theme: themeCss !== null });
    });
  };
}
