import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { openTestDatabase, type TestDatabase } from '../test/database.js';
import { isConsolePath } from './web.plugin.js';

const INDEX = '<!doctype html><html><body><div id="app"></div><script type="module" src="/assets/index-abc123.js"></script></body></html>';

let base: string;
let root: string;
let database: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  // The layout of dist/: the console in web/, the embeddable elements beside it in embed/.
  base = await mkdtemp(path.join(tmpdir(), 'gatehouse-web-'));
  root = path.join(base, 'web');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await mkdir(path.join(base, 'embed'));
  await writeFile(path.join(base, 'embed', 'gatehouse.js'), `export const elements = ${JSON.stringify('gatehouse-people '.repeat(500))};`);
  await writeFile(path.join(base, 'embed', 'gatehouse.js.map'), '{"version":3}');
  await writeFile(path.join(root, 'index.html'), INDEX);
  await writeFile(path.join(root, 'assets', 'index-abc123.js'), 'console.log("console")');
  await writeFile(path.join(root, 'assets', 'big-abc123.js'), `export const words = ${JSON.stringify('gatehouse '.repeat(2000))};`);
  await writeFile(path.join(root, 'assets', 'index-abc123.js.map'), '{"version":3,"sources":["../src/main.ts"]}');
  await writeFile(path.join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  database = await openTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_URL: 'http://gatehouse.test', DATA_DIR: '/nonexistent' });
  app = await buildApp(config, { db: database.db, backend: database.backend, webRoot: root });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await database.close();
  await rm(base, { recursive: true, force: true });
});

describe('the console is served by the API process', () => {
  it.each(['/', '/sign-in', '/orgs', '/orgs/6f1c7f0e-59c5-4a4e-9d43-1c3e3f0b7a10/people', '/setup/abc', '/verify-email/abc', '/reset-password/abc', '/mailbox'])(
    'GET %s answers index.html with no-referrer and no-cache',
    async (url) => {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.body).toBe(INDEX);
    },
  );

  it('answers HEAD of a console path without a body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/orgs' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
  });

  it('serves hashed assets as immutable and the icon', async () => {
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect(asset.body).toContain('console');
    expect((await app.inject({ url: '/favicon.svg' })).headers['content-type']).toContain('image/svg+xml');
  });

  it('sends assets compressed when the browser accepts it (brotli first, else gzip), plain otherwise', async () => {
    const br = await app.inject({ url: '/assets/big-abc123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toContain('accept-encoding');
    expect(br.rawPayload.length).toBeLessThan(2000);
    const gzip = await app.inject({ url: '/assets/big-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.rawPayload).toString()).toContain('gatehouse gatehouse');
    const plain = await app.inject({ url: '/assets/big-abc123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toContain('gatehouse gatehouse');
  });

  it('never serves a source map, even one left in the assets folder', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js.map' });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('sources');
  });

  it('keeps the JSON 404 for unknown API, tracking and operations paths and missing assets', async () => {
    for (const url of ['/api/v1/nothing-here', '/api', '/t/nothing', '/assets/missing.js', '/docs/nothing-here']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('does not shadow the operations endpoints', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/openapi.json' })).json()).toMatchObject({ openapi: '3.1.0' });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('leaves the catch-all out of the OpenAPI document', async () => {
    const paths = Object.keys((await app.inject({ url: '/openapi.json' })).json<{ paths: object }>().paths);
    expect(paths).not.toContain('/*');
    expect(paths).not.toContain('/favicon.svg');
  });

  it('answers other methods on console paths with the JSON 404', async () => {
    const res = await app.inject({ method: 'POST', url: '/orgs', payload: {} });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('classifies paths', () => {
    expect(isConsolePath('/orgs?x=1')).toBe(true);
    expect(isConsolePath('/apiary')).toBe(true);
    expect(isConsolePath('/api/v1/me')).toBe(false);
    expect(isConsolePath('/readyz')).toBe(false);
    expect(isConsolePath('/docs/json')).toBe(false);
  });
});

describe('without a built console', () => {
  it('says how to build it instead of failing', async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_URL: 'http://gatehouse.test', DATA_DIR: '/nonexistent' });
    const bare = await buildApp(config, { db: database.db, backend: database.backend, webRoot: path.join(root, 'missing') });
    try {
      const res = await bare.inject({ url: '/' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('npm run build');
    } finally {
      await bare.close();
    }
  });
});

describe('the embeddable elements are served at /embed/v1/', () => {
  it('serves gatehouse.js to any origin: CORS *, cross-origin resource policy, cached for a day, compressed', async () => {
    const res = await app.inject({ url: '/embed/v1/gatehouse.js', headers: { origin: 'https://host.example', 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['cache-control']).toBe('public, max-age=86400');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toContain('gatehouse-people');
    expect(res.headers.etag).toBeDefined();
  });

  it('never serves a source map, and an unknown embed path is the JSON 404, not the console', async () => {
    expect((await app.inject({ url: '/embed/v1/gatehouse.js.map' })).statusCode).toBe(404);
    const missing = await app.inject({ url: '/embed/v1/nothing.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(isConsolePath('/embed/v1/gatehouse.js')).toBe(false);
  });
});

describe("the operator's theme (THEME_CSS)", () => {
  it('is served at /theme.css and linked after the built CSS on the console pages; an edit shows without a restart', async () => {
    const themeRoot = await mkdtemp(path.join(tmpdir(), 'gatehouse-theme-'));
    const theme = path.join(themeRoot, 'theme.css');
    await writeFile(theme, ':root { --brand: #7a1f4b; }');
    await writeFile(
      path.join(themeRoot, 'index.html'),
      '<!doctype html><html><head><link rel="stylesheet" href="/assets/index-abc.css"></head><body><div id="app"></div></body></html>',
    );
    const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_URL: 'http://gatehouse.test', DATA_DIR: '/nonexistent', THEME_CSS: theme });
    const themed = await buildApp(config, { db: database.db, backend: database.backend, webRoot: themeRoot });
    try {
      const page = await themed.inject({ url: '/orgs' });
      expect(page.body.indexOf('/theme.css')).toBeGreaterThan(page.body.indexOf('/assets/index-abc.css'));
      const css = await themed.inject({ url: '/theme.css' });
      expect([css.statusCode, css.headers['content-type'], css.body]).toEqual([200, 'text/css; charset=utf-8', ':root { --brand: #7a1f4b; }']);
      await writeFile(theme, ':root { --brand: #0b5d3b; }');
      expect((await themed.inject({ url: '/theme.css' })).body).toContain('#0b5d3b');
    } finally {
      await themed.close();
      await rm(themeRoot, { recursive: true, force: true });
    }
    // Without THEME_CSS: no link, and /theme.css is not the console page.
    expect((await app.inject({ url: '/orgs' })).body).not.toContain('/theme.css');
    expect((await app.inject({ url: '/theme.css' })).statusCode).toBe(404);
  });

  it('a THEME_CSS that is not a readable file stops the start with one line naming it', () => {
    expect(() => loadConfig({ THEME_CSS: '/nonexistent/theme.css' })).toThrow(/THEME_CSS/);
  });
});
