import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createUser, signIn, TEST_PASSWORD } from '../test/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const code = errorCode;

describe('sign-in', () => {
  it('signs in with canonical email and sets an HttpOnly, SameSite=Lax session cookie', async () => {
    const user = await createUser(t, { email: 'ada@example.test' });
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: '  ADA@Example.test ', password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ user: { id: string } }>().user.id).toBe(user.id);
    expect(res.body).not.toContain('password');
    const cookie = res.cookies.find((c) => c.name === 'gatehouse_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // The database keeps only the digest of the cookie's token.
    const rows = await t.ctx.db.selectFrom('sessions').select('token_hash').where('user_id', '=', user.id).execute();
    expect(rows.map((r) => r.token_hash)).not.toContain(cookie?.value);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers the same INVALID_CREDENTIALS for an unknown email and a wrong password', async () => {
    await createUser(t, { email: 'grace@example.test' });
    const wrong = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'grace@example.test', password: 'nope nope nope' } });
    const unknown = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'nobody@example.test', password: 'nope nope nope' } });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(code(wrong)).toBe('INVALID_CREDENTIALS');
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('refuses invited (not yet active) and disabled accounts', async () => {
    const invited = await createUser(t, { status: 'invited' });
    const disabled = await createUser(t, { status: 'disabled' });
    const a = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: invited.email, password: TEST_PASSWORD } });
    const b = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: disabled.email, password: TEST_PASSWORD } });
    expect(code(a)).toBe('INVALID_CREDENTIALS');
    expect(code(b)).toBe('ACCOUNT_DISABLED');
  });

  it('rejects unknown fields and missing ones with field paths', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'a@b.co' } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('password');
  });
});

describe('sessions', () => {
  it('expire after 14 idle days and end on sign-out', async () => {
    const user = await createUser(t);
    const cookie = await signIn(t, user.email);
    t.clock.advance(15 * DAY);
    const after = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie } });
    expect(after.statusCode).toBe(204);
    const left = await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute();
    expect(left).toEqual([]);
  });

  it('rejects a cookie-authenticated unsafe request from another origin (CSRF)', async () => {
    const user = await createUser(t);
    const cookie = await signIn(t, user.email);
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    expect(code(res)).toBe('CSRF_REJECTED');
    const form = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'a=1',
    });
    expect(code(form)).toBe('CSRF_REJECTED');
  });

  it('rejects a malformed or unknown bearer key', async () => {
    const res = await t.inject({ url: '/healthz', headers: { authorization: 'Bearer gh_doesnotexist' } });
    expect(res.statusCode).toBe(401);
    expect(code(res)).toBe('API_KEY_INVALID');
  });
});

describe('sign-in rate limits', () => {
  let limited: TestApp;
  beforeAll(async () => {
    limited = await testApp({ AUTH_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await limited.close();
  });
  it('answers 429 RATE_LIMITED with Retry-After past the per-IP limit', async () => {
    const attempt = () =>
      limited.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: 'x@example.test', password: 'wrong password' } });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    const blocked = await attempt();
    expect(blocked.statusCode).toBe(429);
    expect(code(blocked)).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });
});
