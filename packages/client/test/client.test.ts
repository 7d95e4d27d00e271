/**
 * The SDK against a real Gatehouse: the whole app listening on a loopback port, called with the
 * SDK over real fetch and an API key the org's owner created. Types are checked by the package's
 * typecheck (expectTypeOf), behaviour by the assertions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { testApp, type TestApp } from '../../../src/test/app.js';
import { createUser, grant, ownerWithOrg } from '../../../src/test/fixtures.js';
import {
  createGatehouseClient,
  GatehouseError,
  isGatehouseError,
  type components,
  type ErrorCode,
  type ErrorCodeOf,
  type GatehouseClient,
  type WidgetToken,
} from '../src/index.js';

let t: TestApp;
let baseUrl: string;
let orgId: string;
let apiKey: string;
let gatehouse: GatehouseClient;

beforeAll(async () => {
  t = await testApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
  const { org, cookie } = await ownerWithOrg(t);
  orgId = org.id;
  const created = await t.inject({
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/api-keys`,
    headers: { cookie },
    payload: { name: 'SDK test', permissions: ['org:read', 'org:manage', 'members:read', 'apps:manage', 'people:read', 'people:manage', 'invitations:read', 'invitations:manage'] },
  });
  expect(created.statusCode).toBe(201);
  apiKey = created.json<{ secret: string }>().secret;
  gatehouse = createGatehouseClient({ baseUrl: `${baseUrl}/`, token: apiKey });
});
afterAll(async () => {
  await t.close();
});

describe('the typed client, called over HTTP with an API key', () => {
  it('creates a resource, invites to it, finds the invitation in the list, and revokes it', async () => {
    const resource = await gatehouse.post('/api/v1/orgs/{orgId}/resources', {
      params: { path: { orgId } },
      body: { kind: 'location', name: 'Harbor' },
    });
    expectTypeOf(resource).toEqualTypeOf<components['schemas']['Resource']>();
    expect(resource).toMatchObject({ orgId, kind: 'location', name: 'Harbor' });

    const invitation = await gatehouse.post('/api/v1/orgs/{orgId}/invitations', {
      params: { path: { orgId } },
      body: { email: 'dana.sdk@example.test', role: 'member', resourceId: resource.id, firstName: 'Dana' },
    });
    expectTypeOf(invitation).toEqualTypeOf<components['schemas']['Invitation']>();
    expect(invitation).toMatchObject({ email: 'dana.sdk@example.test', role: 'member', resourceId: resource.id, status: 'pending' });

    const page = await gatehouse.get('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId }, query: { resourceId: resource.id } } });
    expect(page.items.map((item) => item.id)).toEqual([invitation.id]);

    const revoked = await gatehouse.post('/api/v1/orgs/{orgId}/invitations/{id}/revoke', { params: { path: { orgId, id: invitation.id } } });
    expect(revoked).toMatchObject({ id: invitation.id, status: 'revoked' });
    const after = await gatehouse.get('/api/v1/orgs/{orgId}/invitations/{id}', { params: { path: { orgId, id: invitation.id } } });
    expect(after.status).toBe('revoked');
  });

  it('answers undefined for a 204', async () => {
    const person = await gatehouse.post('/api/v1/orgs/{orgId}/people', { params: { path: { orgId } }, body: { firstName: 'Gone', lastName: 'Soon', email: 'gone.sdk@example.test' } });
    await expect(gatehouse.delete('/api/v1/orgs/{orgId}/people/{personId}', { params: { path: { orgId, personId: person.id } } })).resolves.toBeUndefined();
    const gone: unknown = await gatehouse.get('/api/v1/orgs/{orgId}/people/{personId}', { params: { path: { orgId, personId: person.id } } }).catch((caught: unknown) => caught);
    expect(isGatehouseError(gone, 'PERSON_NOT_FOUND')).toBe(true);
  });

  it('throws an error answer as a GatehouseError with its typed code, status and details', async () => {
    const revokeAgain = async (id: string) => gatehouse.post('/api/v1/orgs/{orgId}/invitations/{id}/revoke', { params: { path: { orgId, id } } });
    const invitation = await gatehouse.post('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId } }, body: { email: 'twice.sdk@example.test', role: 'member' } });
    await revokeAgain(invitation.id);
    const error: unknown = await revokeAgain(invitation.id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatehouseError);
    // isGatehouseError narrows the code to those it was given.
    if (!isGatehouseError(error, 'INVITATION_NOT_PENDING', 'INVITATION_NOT_FOUND')) throw new Error(`unexpected ${String(error)}`);
    expectTypeOf(error.code).toEqualTypeOf<'INVITATION_NOT_PENDING' | 'INVITATION_NOT_FOUND'>();
    expect([error.status, error.code, error.message]).toEqual([409, 'INVITATION_NOT_PENDING', expect.any(String)]);

    const missing: unknown = await gatehouse
      .get('/api/v1/orgs/{orgId}/people/{personId}', { params: { path: { orgId, personId: '00000000-0000-4000-8000-000000000000' } } })
      .catch((caught: unknown) => caught);
    expect(isGatehouseError(missing, 'PERSON_NOT_FOUND')).toBe(true);
    expect(isGatehouseError(missing, 'ORG_NOT_FOUND')).toBe(false);

    const invalid: unknown = await gatehouse
      .post('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId } }, body: { email: 'x@example.test', role: '' } })
      .catch((caught: unknown) => caught);
    if (!isGatehouseError(invalid, 'VALIDATION_FAILED')) throw new Error(`unexpected ${String(invalid)}`);
    expect(invalid.status).toBe(400);
    expect(invalid.details.map((detail) => detail.path)).toContain('role');
  });

  it("types each operation's declared codes from the document", () => {
    expectTypeOf<'INVITATION_NOT_PENDING'>().toExtend<ErrorCodeOf<'post', '/api/v1/orgs/{orgId}/invitations/{id}/revoke'>>();
    expectTypeOf<'PERSON_NOT_FOUND'>().toExtend<ErrorCodeOf<'get', '/api/v1/orgs/{orgId}/people/{personId}'>>();
    expectTypeOf<'WEBHOOK_NOT_FOUND'>().not.toExtend<ErrorCodeOf<'get', '/api/v1/orgs/{orgId}/people/{personId}'>>();
    expectTypeOf<ErrorCodeOf<'get', '/api/v1/orgs/{orgId}/people/{personId}'>>().toExtend<ErrorCode>();
  });

  it('refuses an unknown key with API_KEY_INVALID, and an answer that is not Gatehouse as UNEXPECTED_RESPONSE', async () => {
    const stranger = createGatehouseClient({ baseUrl, token: 'gh_not-a-real-key-0000000000000000000000000' });
    const refused: unknown = await stranger.get('/api/v1/orgs').catch((caught: unknown) => caught);
    expect(isGatehouseError(refused, 'API_KEY_INVALID')).toBe(true);
    expect((refused as GatehouseError).status).toBe(401);

    // A proxy in front of Gatehouse that answers its own error page.
    const proxy = http.createServer((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const behindProxy = createGatehouseClient({ baseUrl: `http://127.0.0.1:${String((proxy.address() as AddressInfo).port)}`, token: apiKey });
      const bad: unknown = await behindProxy.get('/api/v1/orgs').catch((caught: unknown) => caught);
      expect(isGatehouseError(bad, 'UNEXPECTED_RESPONSE')).toBe(true);
      expect((bad as GatehouseError).status).toBe(502);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => { resolve(); }));
    }
  });

  it('takes only a bearer token of an integration, and sends no cookie', async () => {
    expect(() => createGatehouseClient({ baseUrl, token: 'whsec_abc' })).toThrow(TypeError);
    const seen: Request[] = [];
    const watched = createGatehouseClient({
      baseUrl,
      token: apiKey,
      headers: { 'user-agent': 'sdk-test/1' },
      fetch: async (request) => {
        seen.push(request.clone());
        return fetch(request);
      },
    });
    const orgs = await watched.get('/api/v1/orgs');
    expect(orgs.items.map((org) => org.id)).toEqual([orgId]);
    expect(seen[0]?.headers.get('authorization')).toBe(`Bearer ${apiKey}`);
    expect(seen[0]?.headers.get('user-agent')).toBe('sdk-test/1');
    expect(seen[0]?.headers.get('cookie')).toBeNull();
    expect(seen[0]?.credentials).toBe('omit');
  });
});

describe('mintWidgetToken', () => {
  const APP_ORIGIN = 'https://crm.example';

  it("mints a token the key and the user both allow, which then acts as the user from the app's origin", async () => {
    const app = await gatehouse.post('/api/v1/orgs/{orgId}/apps', {
      params: { path: { orgId } },
      body: { name: 'CRM', type: 'public', redirectUris: [`${APP_ORIGIN}/callback`], allowedOrigins: [APP_ORIGIN] },
    });
    const member = await createUser(t, { first_name: 'Mia', last_name: 'Member' });
    await grant(t, member.id, orgId, 'member');

    // A member may read people but not manage invitations: the token allows what both hold.
    const minted = await gatehouse.mintWidgetToken({ orgId, appId: app.id, userId: member.id, scopes: ['people:read', 'invitations:manage'], ttlSeconds: 300 });
    expectTypeOf(minted).toEqualTypeOf<WidgetToken>();
    expect(minted.token).toMatch(/^ghw_/);
    expect(minted.scopes).toEqual(['people:read']);
    expect(Date.parse(minted.expiresAt) - t.clock.now().getTime()).toBe(300_000);

    const widget = createGatehouseClient({ baseUrl, token: minted.token, headers: { origin: APP_ORIGIN } });
    const session = await widget.get('/api/v1/widget/session');
    expect(session).toMatchObject({ user: { id: member.id, email: member.email }, orgId, appId: app.id, resourceId: null, scopes: ['people:read'] });

    const elsewhere = createGatehouseClient({ baseUrl, token: minted.token, headers: { origin: 'https://evil.example' } });
    const refused: unknown = await elsewhere.get('/api/v1/widget/session').catch((caught: unknown) => caught);
    expect(isGatehouseError(refused, 'WIDGET_ORIGIN_REFUSED')).toBe(true);

    const unknownUser: unknown = await gatehouse
      .mintWidgetToken({ orgId, appId: app.id, userId: '00000000-0000-4000-8000-000000000000', scopes: ['people:read'] })
      .catch((caught: unknown) => caught);
    expect(isGatehouseError(unknownUser, 'USER_NOT_FOUND')).toBe(true);
  });
});
