import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { testApp, type TestApp } from '../test/app.js';
import { ownerWithOrg } from '../test/fixtures.js';

let https: TestApp;
beforeAll(async () => {
  https = await testApp({ PUBLIC_URL: 'https://gatehouse.example' });
});
afterAll(async () => {
  await https.close();
});

/** The headers every answer carries, whatever it is. */
function expectBaseline(res: LightMyRequestResponse, what: string) {
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['referrer-policy'], what).toBe('no-referrer');
  expect(res.headers['content-security-policy'], what).toContain("frame-ancestors 'none'");
  expect(res.headers['content-security-policy'], what).toContain("script-src 'self'");
  expect(res.headers['strict-transport-security'], what).toMatch(/^max-age=31536000/);
}

describe('security headers on every answer', () => {
  it('an API answer and an error answer: nosniff, no framing, HSTS on https, Cache-Control no-store', async () => {
    const { org, cookie } = await ownerWithOrg(https);
    const ok = await https.inject({ url: `/api/v1/orgs/${org.id}`, headers: { cookie } });
    expect(ok.statusCode).toBe(200);
    const unauthenticated = await https.inject({ url: `/api/v1/orgs/${org.id}` });
    expect(unauthenticated.statusCode).toBe(401);
    const notFound = await https.inject({ url: '/api/v1/nothing-here' });
    const invalid = await https.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 1 } });
    expect(invalid.statusCode).toBe(400);
    for (const [what, res] of Object.entries({ ok, unauthenticated, notFound, invalid })) {
      expectBaseline(res, what);
      expect(res.headers['cache-control'], what).toBe('no-store');
    }
  });

  it('/healthz, /openapi.json and /docs: the same, and /docs cannot be framed', async () => {
    for (const url of ['/healthz', '/openapi.json', '/docs/', '/docs/json']) {
      const res = await https.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expectBaseline(res, url);
    }
    expect((await https.inject({ url: '/healthz' })).headers['cache-control']).toBe('no-store');
  });

  it('the console and invitation pages keep their own caching under the same policy', async () => {
    const page = await https.inject({ url: '/orgs' });
    expectBaseline(page, 'console');
    expect(page.headers['cache-control']).toBe('no-cache');
    const invite = await https.inject({ url: `/invite/${'A'.repeat(43)}` });
    expectBaseline(invite, 'invitation page');
    expect(invite.headers['cache-control']).toBe('no-store');
  });

  it('the open-tracking pixel may be loaded by another origin (webmail); nothing else may', async () => {
    const pixel = await https.inject({ url: '/t/nothing.gif' });
    expect(pixel.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect((await https.inject({ url: '/healthz' })).headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('sends no Strict-Transport-Security when PUBLIC_URL is http', async () => {
    const plain = await testApp();
    try {
      const res = await plain.inject({ url: '/healthz' });
      expect(res.headers['strict-transport-security']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await plain.close();
    }
  });
});
