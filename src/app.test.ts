import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { Type } from 'typebox';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { openTestDatabase, type TestDatabase } from './test/database.js';
import { createUser, ownerWithOrg, signIn } from './test/fixtures.js';
import { apiKey } from './test/invitations.js';
import { errorCode, TEST_SCRYPT_COST, testApp, type TestApp } from './test/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

describe('operations endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await t.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await t.inject({ url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json()).toMatchObject({ openapi: '3.1.0', info: { title: 'Gatehouse' } });
    expect(Object.keys(doc.json<{ paths: object }>().paths)).toContain('/readyz');
    const docs = await t.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('<html');
  });

  it('exposes request counts by route template in /metrics', async () => {
    await t.inject({ url: '/healthz' });
    const metrics = await t.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/gatehouse_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(metrics.body).toContain('gatehouse_http_request_duration_seconds_bucket');
  });

  it('answers unknown routes 404 in the error shape', async () => {
    const res = await t.inject({ url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    const body = res.json<{ error: { code: string; message: string; details: unknown[] } }>();
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).not.toBe('');
    expect(body.error.details).toEqual([]);
  });
});

describe('readiness on an unmigrated database', () => {
  let database: TestDatabase;
  afterAll(async () => {
    await database.close();
  });
  it('is 503 until migrations are applied', async () => {
    database = await openTestDatabase({ migrate: false });
    const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { db: database.db, backend: database.backend });
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    await app.close();
  });
});

describe('error handling and logging', () => {
  let database: TestDatabase;
  const lines: string[] = [];
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeAll(async () => {
    database = await openTestDatabase();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    app = await buildApp(loadConfig({ LOG_LEVEL: 'info' }), {
      db: database.db,
      backend: database.backend,
      logStream: stream,
    });
    app.post(
      '/echo',
      {
        schema: {
          body: Type.Object(
            { email: Type.String({ format: 'email' }), nested: Type.Optional(Type.Object({ n: Type.Integer() })) },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => request.body,
    );
    // /invite/:token is the real invitation page (invitations/invitee.routes.ts).
    app.get('/boom', async () => {
      throw new Error('internal detail that must not leak');
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('answers a malformed JSON body 400 INVALID_JSON, never 500', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('INVALID_JSON');
  });

  it('answers schema failures 400 with field paths', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { email: 'nope', nested: { n: 'x' } } });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; details: { path: string }[] } }>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['email']));
    const missing = await app.inject({ method: 'POST', url: '/echo', payload: {} });
    expect(missing.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('email');
  });

  it('rejects unknown fields instead of dropping them', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { email: 'a@b.co', isAdmin: true } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('isAdmin');
  });

  it('hides internals of unexpected errors', async () => {
    const res = await app.inject({ url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('INTERNAL');
    expect(res.body).not.toContain('internal detail');
  });

  it('never logs the invitation token or credentials', async () => {
    const token = 'tok_ThisIsASecretInvitationToken0123456789abcdef';
    await app.inject({
      url: `/invite/${token}`,
      headers: { authorization: 'Bearer gh_secretkey', cookie: 'gatehouse_session=secretcookie' },
    });
    const log = lines.join('');
    expect(log).toContain('/invite/[REDACTED]');
    expect(log).not.toContain(token);
    expect(log).not.toContain('gh_secretkey');
    expect(log).not.toContain('secretcookie');
  });
});

/** Another app over the shared test database, with extra settings; close it after use. */
async function appWith(env: Record<string, string>) {
  const app = await buildApp(loadConfig({ PUBLIC_URL: 'http://gatehouse.test', LOG_LEVEL: 'silent', AUTH_RATE_LIMIT: '0', ...env }), {
    db: t.database.db,
    backend: t.database.backend,
    scryptCost: TEST_SCRYPT_COST,
  });
  await app.ready();
  return app;
}

describe('TRUST_PROXY and the per-IP rate limit', () => {
  const signInFrom = (app: Awaited<ReturnType<typeof appWith>>, forwardedFor: string, n: number) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      headers: { 'x-forwarded-for': forwardedFor },
      payload: { email: `nobody${String(n)}@example.test`, password: 'wrong password' },
    });

  it('ignores X-Forwarded-For by default: a client cannot pick itself a fresh bucket', async () => {
    const direct = await appWith({ AUTH_RATE_LIMIT: '2' });
    try {
      expect((await signInFrom(direct, '203.0.113.1', 1)).statusCode).toBe(401);
      expect((await signInFrom(direct, '203.0.113.2', 2)).statusCode).toBe(401);
      const third = await signInFrom(direct, '203.0.113.3', 3);
      expect([third.statusCode, errorCode(third)]).toEqual([429, 'RATE_LIMITED']);
    } finally {
      await direct.close();
    }
  });

  it.each([['127.0.0.1'], ['10.0.0.0/8, 127.0.0.0/8'], ['1']])(
    'with TRUST_PROXY=%s, two clients forwarded by the proxy get separate buckets',
    async (setting) => {
      const proxied = await appWith({ AUTH_RATE_LIMIT: '2', TRUST_PROXY: setting });
      try {
        expect((await signInFrom(proxied, '198.51.100.7', 1)).statusCode).toBe(401);
        expect((await signInFrom(proxied, '198.51.100.7', 2)).statusCode).toBe(401);
        expect((await signInFrom(proxied, '198.51.100.7', 3)).statusCode).toBe(429);
        // Another client behind the same proxy still has its own allowance.
        expect((await signInFrom(proxied, '198.51.100.8', 4)).statusCode).toBe(401);
      } finally {
        await proxied.close();
      }
    },
  );

  it('believes only the trusted hop: a spoofed left-most address does not reset the bucket', async () => {
    const proxied = await appWith({ AUTH_RATE_LIMIT: '2', TRUST_PROXY: '1' });
    try {
      // The proxy appends the real client (198.51.100.9) after whatever the client sent.
      for (const [n, spoofed] of ['1.1.1.1', '2.2.2.2'].entries()) {
        expect((await signInFrom(proxied, `${spoofed}, 198.51.100.9`, n)).statusCode).toBe(401);
      }
      expect((await signInFrom(proxied, '3.3.3.3, 198.51.100.9', 9)).statusCode).toBe(429);
    } finally {
      await proxied.close();
    }
  });
});

describe('GET /metrics access', () => {
  const TOKEN = 'metrics-token-0123456789';
  it('is open on a loopback HOST without METRICS_TOKEN, closed (404 METRICS_DISABLED) on any other HOST', async () => {
    const loopback = await appWith({ HOST: '127.0.0.1' });
    const v6Loopback = await appWith({ HOST: '::1' });
    const everywhere = await appWith({ HOST: '0.0.0.0' });
    try {
      expect((await loopback.inject({ url: '/metrics' })).statusCode).toBe(200);
      expect((await v6Loopback.inject({ url: '/metrics' })).statusCode).toBe(200);
      const closed = await everywhere.inject({ url: '/metrics' });
      expect([closed.statusCode, errorCode(closed)]).toEqual([404, 'METRICS_DISABLED']);
      expect(closed.body).not.toContain('gatehouse_http_requests_total');
    } finally {
      await Promise.all([loopback.close(), v6Loopback.close(), everywhere.close()]);
    }
  });

  it('with METRICS_TOKEN, answers only a caller sending it as a bearer token, whatever the HOST', async () => {
    for (const host of ['0.0.0.0', '127.0.0.1']) {
      const app = await appWith({ HOST: host, METRICS_TOKEN: TOKEN });
      try {
        for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer gh_notakey', `Basic ${TOKEN}`]) {
          const res = await app.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
          expect([host, authorization, res.statusCode, errorCode(res)]).toEqual([host, authorization, 401, 'METRICS_TOKEN_INVALID']);
          expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
        }
        const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
        expect(ok.statusCode).toBe(200);
        expect(ok.body).toContain('gatehouse_http_requests_total');
      } finally {
        await app.close();
      }
    }
  });
});

describe('CSRF defence on cookie-authenticated unsafe requests', () => {
  const ANY_ID = '00000000-0000-4000-8000-000000000000';
  /** Every unsafe route as registered, path parameters filled with an id (the check runs before routing work). */
  const unsafeRoutes = () =>
    t.app.routeList
      .filter((route) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method))
      // The OpenID provider reads no Gatehouse cookie: it has its own cookies and xsrf checks (R53).
      .filter((route) => !route.url.startsWith('/oidc/'))
      .map((route) => ({ method: route.method as 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: route.url.replace(/:\w+/g, ANY_ID) }));

  it('refuses every unsafe route without Content-Type: application/json, body-less ones included, and changes nothing', async () => {
    const user = await createUser(t);
    const cookie = await signIn(t, user.email);
    const routes = unsafeRoutes();
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      for (const variant of [{}, { 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }]) {
        const res = await t.app.inject({ ...route, headers: { cookie, ...variant } });
        expect([route.method, route.url, variant, res.statusCode, errorCode(res)]).toEqual([route.method, route.url, variant, 403, 'CSRF_REJECTED']);
      }
    }
    // Sign-out and account deletion were among them: the session and the account are still there.
    expect((await t.app.inject({ url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
  });

  it('lets the same body-less requests through with Content-Type: application/json and {}; an API key needs neither', async () => {
    const user = await createUser(t);
    const cookie = await signIn(t, user.email);
    const signOut = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      headers: { cookie, 'content-type': 'application/json; charset=utf-8' },
      payload: '{}',
    });
    expect(signOut.statusCode).toBe(204);
    const { org } = await ownerWithOrg(t);
    const key = await apiKey(t, org.id, ['people:write']);
    const byKey = await t.app.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/people/${ANY_ID}`, headers: { authorization: `Bearer ${key}` } });
    expect([byKey.statusCode, errorCode(byKey)]).toEqual([404, 'PERSON_NOT_FOUND']);
  });
});
