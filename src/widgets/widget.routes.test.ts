/**
 * Widget tokens (docs/rules.md R80–R86): minting with an API key, the widget actor on the routes
 * marked for embedded elements, CORS for the apps' origins, the iframe page, and an attacker's
 * attempts: another app's origin, another org, scopes the key or the user lack, a sibling
 * resource, an expired token, a token in a log line, the request budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { errorCode, loggingApp, TEST_PUBLIC_URL, testApp, type TestApp } from '../test/app.js';
import { createApp, createOrg, createResource, createUser, grant, signIn } from '../test/fixtures.js';
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
  return createApp(t, org, { origins });
}

async function mint(body: Record<string, unknown>, secret = key, org = orgId) {
  return t.inject({ method: 'POST', url: `/api/v1/orgs/${org}/widget-tokens`, headers: { authorization: `Bearer ${secret}` }, payload: body });
}

async function tokenFor(userId: string, scopes: string[], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await mint({ appId, userId, scopes, ...extra });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ token: string }>().token;
}

const bearer = (token: string, origin: string | null = APP_ORIGIN): Record<string, string> =>
  origin === null ? { authorization: `Bearer ${token}` } : { authorization: `Bearer ${token}`, origin };

beforeAll(async () => {
  // Limits on (the tests' default turns them off), so the widget's request budget is real here.
  t = await testApp({ AUTH_RATE_LIMIT: '1000' });
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
    expect(stored.some((row) => JSON.stringify(row).includes(body.token))).toBe(false);
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
    const count = async () => (await t.ctx.db.selectFrom('widget_tokens').select('id').execute()).length;
    const before = await count();
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
    expect(await count()).toBe(before);
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
      resource: { id: resourceId, kind: expect.any(String) as unknown, name: 'North' },
      scopes: expect.arrayContaining(['people:read', 'invitations:read']) as unknown,
    });
  });

  it("names the org's resources to an org-wide token holding org:read; a resource-limited token reads only its own, from its session", async () => {
    const orgWide = await tokenFor(admin.id, ['org:read', 'people:read']);
    const listed = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/resources`, headers: bearer(orgWide) });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json<{ items: { name: string }[] }>().items.map((r) => r.name)).toEqual(expect.arrayContaining(['North', 'South']) as unknown);
    const session = await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(orgWide) });
    expect(session.json<{ resource: unknown }>().resource).toBeNull();
    const scoped = await tokenFor(admin.id, ['org:read', 'people:read'], { resourceId });
    const refused = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/resources`, headers: bearer(scoped) });
    expect(refused.statusCode).toBe(403);
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const withoutScope = await tokenFor(admin.id, ['people:read']);
    expect((await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/resources`, headers: bearer(withoutScope) })).statusCode).toBe(403);
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

describe('an attacker with a widget token', () => {
  it('cannot use a token of app A from app B\'s origin, nor from an origin no app allows (403 WIDGET_ORIGIN_REFUSED)', async () => {
    const token = await tokenFor(admin.id, ['people:read']);
    for (const origin of [OTHER_APP_ORIGIN, 'https://evil.example']) {
      const res = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(token, origin) });
      expect(res.statusCode, origin).toBe(403);
      expect(errorCode(res)).toBe('WIDGET_ORIGIN_REFUSED');
    }
    // And the other way round: app B's token on app A's page.
    const ofB = (await mint({ appId: otherAppId, userId: admin.id, scopes: ['people:read'] })).json<{ token: string }>().token;
    expect(errorCode(await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(ofB, APP_ORIGIN) }))).toBe('WIDGET_ORIGIN_REFUSED');
    expect((await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(ofB, OTHER_APP_ORIGIN) })).statusCode).toBe(200);
    // Its own app's origin, Gatehouse's own (the iframe mode) and no browser at all are fine.
    for (const origin of [APP_ORIGIN, TEST_PUBLIC_URL, null]) {
      expect((await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(token, origin) })).statusCode).toBe(200);
    }
  });

  it('cannot act on another org with a token of this one, even where its user has standing (404 ORG_NOT_FOUND)', async () => {
    const both = await createUser(t);
    await grant(t, both.id, orgId, 'admin');
    await grant(t, both.id, otherOrgId, 'owner');
    const token = await tokenFor(both.id, ['people:read', 'invitations:manage', 'members:read']);
    for (const [method, url] of [
      ['GET', `/api/v1/orgs/${otherOrgId}/people`],
      ['GET', `/api/v1/orgs/${otherOrgId}/access`],
      ['POST', `/api/v1/orgs/${otherOrgId}/invitations`],
    ] as const) {
      const res = await t.inject({ method, url, headers: bearer(token), ...(method === 'POST' ? { payload: { email: 'y@example.test', role: 'viewer' } } : {}) });
      expect(res.statusCode, url).toBe(404);
      expect(errorCode(res)).toBe('ORG_NOT_FOUND');
    }
  });

  it('cannot escalate: scopes the key lacks are dropped, and a user who loses a permission loses it on the token at once', async () => {
    const fromReadKey = await mint({ appId, userId: admin.id, scopes: ['people:read', 'people:manage', 'invitations:manage'] }, readKey);
    expect(fromReadKey.json<{ scopes: string[] }>().scopes).toEqual(['people:read']);
    const demoted = await createUser(t);
    await grant(t, demoted.id, orgId, 'admin');
    const token = await tokenFor(demoted.id, ['people:read', 'invitations:read']);
    await t.ctx.db.updateTable('grants').set({ role: 'viewer' }).where('user_id', '=', demoted.id).execute();
    const res = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(token) });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
    const session = await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(token) });
    expect(session.json<{ scopes: string[] }>().scopes).toEqual([]);
  });

  it('cannot hand on or take away the owner role, even as an owner with every scope', async () => {
    const owner2 = await createUser(t);
    await grant(t, owner2.id, orgId, 'owner');
    const allScopes = ['members:manage', 'members:read', 'org:read', 'people:read', 'invitations:read', 'invitations:manage'];
    const ownerKey = await apiKey(t, orgId, allScopes);
    const res = await mint({ appId, userId: owner2.id, scopes: allScopes }, ownerKey);
    const token = res.json<{ token: string }>().token;
    const promote = await t.inject({ method: 'PUT', url: `/api/v1/orgs/${orgId}/members/${member.id}/grants`, headers: bearer(token), payload: { resourceId: null, role: 'owner' } });
    expect(promote.statusCode).toBe(403);
    expect(errorCode(promote)).toBe('ROLE_NOT_GRANTABLE');
    const demote = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/members/${owner2.id}/grants`, headers: bearer(token) });
    expect(demote.statusCode).toBe(403);
    expect(await t.ctx.db.selectFrom('grants').select('role').where('user_id', '=', owner2.id).executeTakeFirst()).toEqual({ role: 'owner' });
  });

  describe('a token limited to one resource', () => {
    let token: string;
    beforeAll(async () => {
      const scopes = ['people:read', 'invitations:read', 'invitations:manage', 'members:read', 'members:manage', 'org:read'];
      // The admin holds these org-wide; the token narrows them to the North resource.
      token = await tokenFor(admin.id, scopes, { resourceId });
      await createPerson(t, orgId, { email: 'north@example.test', resource_id: resourceId });
      await createPerson(t, orgId, { email: 'south@example.test', resource_id: siblingId });
    });

    it('reads its own resource', async () => {
      const res = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people?resourceId=${resourceId}`, headers: bearer(token) });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<{ items: { email: string }[] }>().items.map((p) => p.email)).toEqual(['north@example.test']);
      const access = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/access?resourceId=${resourceId}`, headers: bearer(token) });
      expect(access.statusCode).toBe(200);
    });

    it('cannot reach a sibling resource or the org-wide lists (403 FORBIDDEN)', async () => {
      const south = await t.ctx.db.selectFrom('people').select('id').where('email', '=', 'south@example.test').executeTakeFirstOrThrow();
      for (const url of [
        `/api/v1/orgs/${orgId}/people`,
        `/api/v1/orgs/${orgId}/people?resourceId=${siblingId}`,
        `/api/v1/orgs/${orgId}/people/${south.id}`,
        `/api/v1/orgs/${orgId}/access`,
        `/api/v1/orgs/${orgId}/access?resourceId=${siblingId}`,
        `/api/v1/orgs/${orgId}/invitations`,
      ]) {
        const res = await t.inject({ method: 'GET', url, headers: bearer(token) });
        expect(res.statusCode, url).toBe(403);
        expect(errorCode(res)).toBe('FORBIDDEN');
      }
    });

    it('invites at its resource only: org-wide and sibling invitations are refused and nothing is written', async () => {
      const ok = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: bearer(token), payload: { email: 'n1@example.test', role: 'viewer', resourceId } });
      expect(ok.statusCode, ok.body).toBe(201);
      for (const payload of [
        { email: 'n2@example.test', role: 'viewer' },
        { email: 'n3@example.test', role: 'viewer', resourceId: siblingId },
      ]) {
        const res = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: bearer(token), payload });
        expect(res.statusCode).toBe(403);
        expect(errorCode(res)).toBe('FORBIDDEN');
      }
      const written = await t.ctx.db.selectFrom('invitations').select('email').where('email', 'in', ['n2@example.test', 'n3@example.test']).execute();
      expect(written).toEqual([]);
    });

    it('cannot move an invitation of its resource to a sibling, nor grant there', async () => {
      const created = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: bearer(token), payload: { email: 'n4@example.test', role: 'viewer', resourceId } });
      const id = created.json<{ id: string }>().id;
      const moved = await t.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/invitations/${id}`, headers: bearer(token), payload: { resourceId: siblingId } });
      expect(moved.statusCode).toBe(403);
      const granted = await t.inject({ method: 'PUT', url: `/api/v1/orgs/${orgId}/members/${member.id}/grants`, headers: bearer(token), payload: { resourceId: siblingId, role: 'viewer' } });
      expect(granted.statusCode).toBe(403);
      expect(errorCode(granted)).toBe('FORBIDDEN');
    });
  });

  it('cannot use an expired token, a token of a revoked key, or one whose user was disabled (401 WIDGET_TOKEN_INVALID)', async () => {
    const short = await tokenFor(admin.id, ['people:read'], { ttlSeconds: 30 });
    expect((await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(short) })).statusCode).toBe(200);
    t.clock.advance(31_000);
    const expired = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(short) });
    expect(expired.statusCode).toBe(401);
    expect(errorCode(expired)).toBe('WIDGET_TOKEN_INVALID');

    const doomedKey = await apiKey(t, orgId, ['people:read'], 'doomed');
    const fromDoomed = (await mint({ appId, userId: admin.id, scopes: ['people:read'] }, doomedKey)).json<{ token: string }>().token;
    await t.ctx.db.updateTable('api_keys').set({ revoked_at: t.clock.now() }).where('name', '=', 'doomed').execute();
    expect(errorCode(await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(fromDoomed) }))).toBe('WIDGET_TOKEN_INVALID');

    const leaving = await createUser(t);
    await grant(t, leaving.id, orgId, 'admin');
    const ofLeaving = await tokenFor(leaving.id, ['people:read']);
    await t.ctx.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', leaving.id).execute();
    expect(errorCode(await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(ofLeaving) }))).toBe('WIDGET_TOKEN_INVALID');
  });

  it('never sees its token in a log line (header, answer body, the iframe address)', async () => {
    const { app: logged, lines } = await loggingApp(t, 'trace');
    try {
      const minted = await logged.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/widget-tokens`, headers: { authorization: `Bearer ${key}` }, payload: { appId, userId: admin.id, scopes: ['people:read'] } });
      const token = minted.json<{ token: string }>().token;
      await logged.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(token) });
      await logged.inject({ method: 'GET', url: `/embed/v1/frame/people?token=${token}` });
      await logged.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/api-keys`, headers: bearer(token) });
      expect(lines.length).toBeGreaterThan(0);
      const secret = token.slice('ghw_'.length);
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    } finally {
      await logged.close();
    }
  });

  it('has a request budget per token (429 RATE_LIMITED), and the resend cooldown applies to it', async () => {
    const token = await tokenFor(admin.id, ['people:read', 'invitations:read', 'invitations:manage', 'org:read', 'members:read']);
    const created = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: bearer(token), payload: { email: 'cool@example.test', role: 'viewer' } });
    const id = created.json<{ id: string }>().id;
    t.clock.advance(2 * MINUTE);
    expect((await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations/${id}/resend`, headers: bearer(token) })).statusCode).toBe(200);
    const again = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations/${id}/resend`, headers: bearer(token) });
    expect(again.statusCode).toBe(429);
    expect(errorCode(again)).toBe('RESEND_TOO_SOON');

    const budget = await tokenFor(admin.id, ['people:read']);
    const statuses: number[] = [];
    for (let i = 0; i < 301; i += 1) statuses.push((await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(budget) })).statusCode);
    expect(statuses.filter((status) => status === 200)).toHaveLength(300);
    const over = await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(budget) });
    expect(over.statusCode).toBe(429);
    expect(errorCode(over)).toBe('RATE_LIMITED');
    expect(over.headers['retry-after']).toBeDefined();
    // Another token of the same user has its own budget.
    expect((await t.inject({ method: 'GET', url: '/api/v1/widget/session', headers: bearer(await tokenFor(admin.id, ['people:read'])) })).statusCode).toBe(200);
  });
});

describe('CORS for embedded elements', () => {
  const preflight = (url: string, origin: string, method = 'GET') =>
    t.app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' } });

  it('answers a preflight to a widget route from an app origin, allowing the bearer header and no credentials', async () => {
    const res = await preflight(`/api/v1/orgs/${orgId}/invitations/${appId}/revoke`, OTHER_APP_ORIGIN, 'POST');
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(OTHER_APP_ORIGIN);
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toBe('authorization, content-type');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers no preflight for a route not marked for widgets, or from an origin no app lists', async () => {
    for (const [url, origin, method] of [
      [`/api/v1/orgs/${orgId}/api-keys`, APP_ORIGIN, 'GET'],
      [`/api/v1/orgs/${orgId}`, APP_ORIGIN, 'PATCH'],
      ['/api/v1/auth/sign-in', APP_ORIGIN, 'POST'],
      [`/api/v1/orgs/${orgId}/people`, 'https://evil.example', 'GET'],
      [`/api/v1/orgs/${orgId}/people`, APP_ORIGIN, 'DELETE'],
    ] as const) {
      const res = await preflight(url, origin, method);
      expect(res.statusCode, `${method} ${url} from ${origin}`).toBe(404);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('marks the real answer of a widget route for the app origin only', async () => {
    const token = await tokenFor(admin.id, ['people:read']);
    const res = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: bearer(token) });
    expect(res.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    const keys = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/api-keys`, headers: { cookie: ownerCookie, origin: APP_ORIGIN } });
    expect(keys.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never honours a session cookie sent to a widget route from another origin', async () => {
    const res = await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: { cookie: ownerCookie, origin: APP_ORIGIN } });
    expect(res.statusCode).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    const unsafe = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: { cookie: ownerCookie, origin: APP_ORIGIN }, payload: { email: 'c@example.test', role: 'viewer' } });
    expect(unsafe.statusCode).toBe(401);
    // The console (its own origin, or no Origin on a GET) is unaffected.
    expect((await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: { cookie: ownerCookie, origin: TEST_PUBLIC_URL } })).statusCode).toBe(200);
    expect((await t.inject({ method: 'GET', url: `/api/v1/orgs/${orgId}/people`, headers: { cookie: ownerCookie } })).statusCode).toBe(200);
  });
});

describe('the iframe mode', () => {
  it('serves the element page, framed only by the token\'s app origins', async () => {
    const token = await tokenFor(admin.id, ['people:read']);
    const res = await t.inject({ method: 'GET', url: `/embed/v1/frame/people?token=${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toMatch(new RegExp(`frame-ancestors ${APP_ORIGIN}$`));
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.body).toContain('/embed/v1/gatehouse.js');
    expect(res.body).toContain('<gatehouse-people');
    expect(res.body).not.toContain(token);
  });

  it('refuses a bad token (401) and an unknown element (400), framed by nobody', async () => {
    const bad = await t.inject({ method: 'GET', url: '/embed/v1/frame/people?token=ghw_nope' });
    expect(bad.statusCode).toBe(401);
    expect(errorCode(bad)).toBe('WIDGET_TOKEN_INVALID');
    expect(bad.headers['x-frame-options']).toBe('DENY');
    const token = await tokenFor(admin.id, ['people:read']);
    const unknown = await t.inject({ method: 'GET', url: `/embed/v1/frame/billing?token=${token}` });
    expect(unknown.statusCode).toBe(400);
    // Nothing under /embed/ falls back to the console page.
    const missing = await t.inject({ method: 'GET', url: '/embed/v1/nothing.js' });
    expect(missing.statusCode).toBe(404);
    expect(errorCode(missing)).toBe('NOT_FOUND');
  });
});
