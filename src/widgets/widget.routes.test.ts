/**
 * Widget tokens (docs/rules.md R80–R86): minting with an API key, the widget actor on the routes
 * marked for embedded elements, CORS for the apps' origins, the iframe page, and an attacker's
 * attempts: another app's origin, another org, scopes the key or the user lack, a sibling
 * resource, an expired token, a token in a log line, the request budget.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createOrg, createResource, createUser, grant, signIn } from '../test/fixtures.js';
import { apiKey, createPerson } from '../test/invitations.js';

const APP_ORIGIN = 'https://crm.example';
const OTHER_APP_ORIGIN = 'https://other.example';

let t: TestApp;
let orgId: string;
let otherOrgId: string;
let resourceId: string;
let siblingId: string;
let appId: string;
let otherAppId: string;
let foreignAppId: string;
let key: string;
let readKey: string;
let admin: { id: string; email: string };
let member: { id: string; email: string };
let resourceAdmin: { id: string; email: string };
let outsider: { id: string; email: string };
let ownerCookie: string;

async function newApp(org: string, origins: string[]): Promise<string> {
  const row = await t.ctx.db
    .insertInto('apps')
    .values({
      org_id: org,
      name: 'CRM',
      type: 'public',
      client_id: `crm_${Math.random().toString(36).slice(2)}`,
      client_secret_hash: null,
      redirect_uris: JSON.stringify(['https://crm.example/cb']),
      post_logout_redirect_uris: '[]',
      allowed_origins: JSON.stringify(origins),
      updated_at: t.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function mint(body: Record<string, unknown>, secret = key, org = orgId) {
  return t.inject({ method: 'POST', url: `/api/v1/orgs/${org}/widget-tokens`, headers: { authorization: `Bearer ${secret}` }, payload: body });
}

async function tokenFor(userId: string, scopes: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await mint({ appId, userId, scopes, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ token: string }>().token;
}

const bearer = (token: string, origin: string | undefined = APP_ORIGIN) => ({
  authorization: `Bearer ${token}`,
  ...(origin === undefined ? {} : { origin }),
});

beforeAll(async () => {
  t = await testApp();
  const org = await createOrg(t, 'Widget Org');
  orgId = org.id;
  otherOrgId = (await createOrg(t, 'Other Org')).id;
  resourceId = (await createResource(t, orgId, 'North')).id;
  siblingId = (await createResource(t, orgId, 'South')).id;
  const owner = await createUser(t);
  await grant(t, owner.id, orgId, 'owner');
  ownerCookie = await signIn(t, owner.email);
  admin = await createUser(t, { first_name: 'Ada', last_name: 'Admin' });
  await grant(t, admin.id, orgId, 'admin');
  member = await createUser(t);
  await grant(t, member.id, orgId, 'member');
  resourceAdmin = await createUser(t);
  await grant(t, resourceAdmin.id, orgId, 'admin', resourceId);
  outsider = await createUser(t);
  await grant(t, outsider.id, otherOrgId, 'owner');
  appId = await newApp(orgId, [APP_ORIGIN]);
  otherAppId = await newApp(orgId, [OTHER_APP_ORIGIN]);
  foreignAppId = await newApp(otherOrgId, ['https://foreign.example']);
  key = await apiKey(t, orgId, ['people:read', 'people:manage', 'invitations:read', 'invitations:manage', 'members:read', 'members:manage', 'org:read']);
  readKey = await apiKey(t, orgId, ['people:read', 'invitations:read']);
});
afterAll(async () => {
  await t.close();
});

describe('minting a widget token', () => {
  it('answers a ghw_ token, its expiry (default 10 minutes) and the scopes both the key and the user hold', async () => {
    const res = await mint({ appId, userId: admin.id, scopes: ['people:read', 'invitations:manage', 'api_keys:manage'] });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<{ token: string; expiresAt: string; scopes: string[] }>();
    expect(body.token).toMatch(/^ghw_[A-Za-z0-9_-]{43}$/);
    expect(new Date(body.expiresAt).getTime() - t.clock.now().getTime()).toBe(600_000);
    // The key lacks api_keys:manage, so the token does too, although the admin holds it.
    expect(body.scopes.sort()).toEqual(['invitations:manage', 'people:read']);
    const stored = await t.ctx.db.selectFrom('widget_tokens').selectAll().execute();
    expect(stored.some((row) => row.token_hash === body.token || JSON.stringify(row).includes(body.token))).toBe(false);
  });

  it('does not hand a user more than they hold: a member asking for invitations:manage gets only what a member reads', async () => {
    const res = await mint({ appId, userId: member.id, scopes: ['people:read', 'invitations:manage', 'members:manage'] });
    expect(res.statusCode).toBe(201);
    expect(res.json<{ scopes: string[] }>().scopes).toEqual(['people:read']);
  });

  it('writes an audit event naming the user, the app and the key', async () => {
    await tokenFor(admin.id, ['people:read']);
    const event = await t.ctx.db
      .selectFrom('events')
      .selectAll()
      .where('type', '=', 'widget.token_issued')
      .where('user_id', '=', admin.id)
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    expect(event.actor_type).toBe('api_key');
    expect(event.data).toMatchObject({ appId, scopes: ['people:read'], resourceId: null });
  });

  it('is refused to a signed-in session: 403 FORBIDDEN', async () => {
    const res = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/widget-tokens`, headers: { cookie: ownerCookie }, payload: { appId, userId: admin.id, scopes: ['people:read'] } });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
  });

  it('refuses bad input with a coded error and writes nothing', async () => {
    const before = await t.ctx.db.selectFrom('widget_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ appId, userId: admin.id, scopes: ['people:read'], ttlSeconds: 901 }, 400, 'VALIDATION_FAILED'],
      [{ appId, userId: admin.id, scopes: [] }, 400, 'VALIDATION_FAILED'],
      [{ appId, userId: admin.id, scopes: ['*'] }, 400, 'VALIDATION_FAILED'],
      [{ appId: foreignAppId, userId: admin.id, scopes: ['people:read'] }, 404, 'APP_NOT_FOUND'],
      [{ appId, userId: outsider.id, scopes: ['people:read'] }, 404, 'USER_NOT_FOUND'],
      [{ appId, userId: admin.id, scopes: ['people:read'], resourceId: (await createResource(t, otherOrgId, 'Theirs')).id }, 404, 'RESOURCE_NOT_FOUND'],
    ];
    for (const [body, status, code] of cases) {
      const res = await mint(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(errorCode(res)).toBe(code);
    }
    const after = await t.ctx.db.selectFrom('widget_tokens').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('a key of one org cannot mint for another org (404 ORG_NOT_FOUND)', async () => {
    const res = await mint({ appId: foreignAppId, userId: outsider.id, scopes: ['people:read'] }, key, otherOrgId);
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('ORG_NOT_FOUND');
  });
});

describe('the widget session', () => {
  it('says who the token acts for and what it allows', async () => {
    const token = await tokenFor(admin.id, ['people:read', 'invitations:read'], { resourceId });
    const res = await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      user: { id: admin.id, email: admin.email, name: 'Ada Admin' },
      orgId,
      appId,
      resourceId,
      scopes: expect.arrayContaining(['people:read', 'invitations:read']) as unknown,
    });
  });

  it('answers 401 WIDGET_TOKEN_INVALID to an unknown token and to an API key', async () => {
    for (const authorization of ['Bearer ghw_nope', `Bearer ${key}`]) {
      const res = await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: { authorization } });
      expect(res.statusCode).toBe(401);
      expect(errorCode(res)).toBe('WIDGET_TOKEN_INVALID');
    }
  });
});

describe('a widget acts as its user, within its scopes', () => {
  it('reads the people of the org with people:read', async () => {
    await createPerson(t, orgId, { email: 'pat@example.test', first_name: 'Pat' });
    const token = await tokenFor(admin.id, ['people:read']);
    const res = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ items: { email: string }[] }>().items.map((p) => p.email)).toContain('pat@example.test');
  });

  it('cannot invite without invitations:manage in its scopes, although its user could (403 FORBIDDEN)', async () => {
    const token = await tokenFor(admin.id, ['people:read', 'invitations:read']);
    const res = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: bearer(token), payload: { email: 'x1@example.test', role: 'member' } });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
  });

  it('invites as its user, and the audit trail names the user and the app', async () => {
    // Handing on `member` needs the member's permissions among the scopes too (docs/rules.md R20).
    const token = await tokenFor(admin.id, ['invitations:manage', 'invitations:read', 'org:read', 'members:read', 'people:read']);
    const res = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: bearer(token), payload: { email: 'x2@example.test', role: 'member' } });
    expect(res.statusCode, res.body).toBe(201);
    const invitation = res.json<{ id: string; invitedBy: unknown }>();
    const detail = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/invitations/${invitation.id}`, headers: bearer(token) });
    expect(detail.statusCode, detail.body).toBe(200);
    const created = detail.json<{ events: { type: string; actor: unknown }[] }>().events.find((e) => e.type === 'invitation.created');
    expect(created?.actor).toEqual({ type: 'user', id: admin.id, name: 'Ada Admin', appId });
  });

  it('is refused on a route not marked for widgets (403 WIDGET_ROUTE_REFUSED), even with the scope', async () => {
    const token = await tokenFor(admin.id, ['members:manage', 'org:read']);
    for (const [method, url] of [
      ['GET', `/api/v1/orgs/${orgId}/api-keys`],
      ['GET', `/api/v1/orgs/${orgId}`],
      ['GET', '/api/v1/me'],
      ['GET', `/api/v1/orgs/${orgId}/events`],
    ] as const) {
      const res = await t.inject({ method, url, headers: bearer(token) });
      expect(res.statusCode, url).toBe(403);
      expect(errorCode(res)).toBe('WIDGET_ROUTE_REFUSED');
    }
  });
});
