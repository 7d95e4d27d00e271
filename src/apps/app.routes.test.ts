/** Apps (docs/rules.md R47): register, secrets shown once and kept digested, URI checks, rotate, delete. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../auth/crypto.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { ownerWithOrg } from '../test/fixtures.js';

let t: TestApp;
let orgId: string;
let cookie: string;
const base = () => `/api/v1/orgs/${orgId}/apps`;

beforeAll(async () => {
  t = await testApp();
  const owner = await ownerWithOrg(t);
  orgId = owner.org.id;
  cookie = owner.cookie;
});
afterAll(async () => {
  await t.close();
});

describe('apps', () => {
  it('registers a confidential app: the secret appears once and is stored as its SHA-256', async () => {
    const res = await t.inject({
      method: 'POST',
      url: base(),
      headers: { cookie },
      payload: { name: ' Portal ', type: 'confidential', redirectUris: ['https://portal.example/cb', 'http://localhost:4000/cb'], firstParty: true },
    });
    expect(res.statusCode).toBe(201);
    const app = res.json<{ id: string; clientId: string; clientSecret: string; name: string; firstParty: boolean }>();
    expect(app).toMatchObject({ name: 'Portal', firstParty: true, type: 'confidential', postLogoutRedirectUris: [], allowedOrigins: [], initiateLoginUri: null });
    expect(app.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await t.ctx.db.selectFrom('apps').select('client_secret_hash').where('id', '=', app.id).executeTakeFirstOrThrow();
    expect(row.client_secret_hash).toBe(sha256(app.clientSecret));
    const read = await t.inject({ method: 'GET', url: `${base()}/${app.id}`, headers: { cookie } });
    expect(read.json()).not.toHaveProperty('clientSecret');
    expect(JSON.stringify(read.json())).not.toContain(row.client_secret_hash ?? 'x');
    const list = await t.inject({ method: 'GET', url: base(), headers: { cookie } });
    expect(list.json<{ items: { id: string }[] }>().items.map((a) => a.id)).toContain(app.id);

    const rotated = await t.inject({ method: 'POST', url: `${base()}/${app.id}/secret`, headers: { cookie } });
    expect(rotated.statusCode).toBe(200);
    const fresh = rotated.json<{ clientSecret: string; secretRotatedAt: string }>();
    expect(fresh.clientSecret).not.toBe(app.clientSecret);
    expect(fresh.secretRotatedAt).toBeTypeOf('string');
  });

  it('a public app has no secret and cannot rotate one', async () => {
    const res = await t.inject({ method: 'POST', url: base(), headers: { cookie }, payload: { name: 'SPA', type: 'public', redirectUris: ['https://spa.example/'] } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).not.toHaveProperty('clientSecret');
    const rotate = await t.inject({ method: 'POST', url: `${base()}/${res.json<{ id: string }>().id}/secret`, headers: { cookie } });
    expect(rotate.statusCode).toBe(409);
    expect(errorCode(rotate)).toBe('APP_NOT_CONFIDENTIAL');
  });

  it.each([
    ['redirectUris', ['portal.example/cb'], 'must be an absolute URL'],
    ['redirectUris', ['http://portal.example/cb'], 'may use http only on localhost or 127.0.0.1'],
    ['redirectUris', ['https://portal.example/cb#frag'], 'must not carry a fragment'],
    ['redirectUris', ['javascript:alert(1)'], 'must be an http(s) URL'],
    ['allowedOrigins', ['https://portal.example/path'], 'must be an origin (scheme://host[:port]) with nothing after it'],
  ])('refuses %s %j with APP_URI_INVALID and stores nothing', async (field, value, message) => {
    const before = await t.ctx.db.selectFrom('apps').select('id').execute();
    const res = await t.inject({
      method: 'POST',
      url: base(),
      headers: { cookie },
      payload: { name: 'Bad', type: 'confidential', redirectUris: ['https://ok.example/cb'], [field]: value },
    });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('APP_URI_INVALID');
    expect(res.json<{ error: { details: unknown[] } }>().error.details).toEqual([{ path: `${field}/0`, message }]);
    expect(await t.ctx.db.selectFrom('apps').select('id').execute()).toHaveLength(before.length);
  });

  it('changes an app (a bad URI changes nothing) and deletes it', async () => {
    const created = await t.inject({ method: 'POST', url: base(), headers: { cookie }, payload: { name: 'Edit me', type: 'public', redirectUris: ['https://a.example/cb'] } });
    const id = created.json<{ id: string }>().id;
    const bad = await t.inject({ method: 'PATCH', url: `${base()}/${id}`, headers: { cookie }, payload: { name: 'Renamed', redirectUris: ['http://a.example/cb'] } });
    expect(errorCode(bad)).toBe('APP_URI_INVALID');
    const unchanged = await t.inject({ method: 'GET', url: `${base()}/${id}`, headers: { cookie } });
    expect(unchanged.json()).toMatchObject({ name: 'Edit me', redirectUris: ['https://a.example/cb'] });
    const ok = await t.inject({ method: 'PATCH', url: `${base()}/${id}`, headers: { cookie }, payload: { name: 'Renamed', firstParty: true } });
    expect(ok.json()).toMatchObject({ name: 'Renamed', firstParty: true });
    expect((await t.inject({ method: 'DELETE', url: `${base()}/${id}`, headers: { cookie } })).statusCode).toBe(204);
    const gone = await t.inject({ method: 'GET', url: `${base()}/${id}`, headers: { cookie } });
    expect(errorCode(gone)).toBe('APP_NOT_FOUND');
  });

  it('an app of another org is not found', async () => {
    const other = await ownerWithOrg(t);
    const created = await t.inject({ method: 'POST', url: `/api/v1/orgs/${other.org.id}/apps`, headers: { cookie: other.cookie }, payload: { name: 'Theirs', type: 'public', redirectUris: ['https://b.example/cb'] } });
    const res = await t.inject({ method: 'GET', url: `${base()}/${created.json<{ id: string }>().id}`, headers: { cookie } });
    expect(errorCode(res)).toBe('APP_NOT_FOUND');
  });
});
