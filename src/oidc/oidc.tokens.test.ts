/**
 * Tokens at their edges, with openid-client over real HTTP (docs/rules.md R50, R54–R57): a code or
 * refresh token raced by two requests, the ID token's grant cap, narrowing to one resource, and a
 * disabled account.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, createResource, createUser, grant, signIn } from '../test/fixtures.js';
import { kyselyAdapter } from './adapter.js';
import type { GatehouseClaim } from './claims.js';
import { Browser, listeningApp, type ListeningApp, registerApp, relyingParty, signInThrough, startAuthorization } from '../test/oidc.js';

let t: ListeningApp;
let orgId: string;
let adminCookie: string;

beforeAll(async () => {
  t = await listeningApp();
  const org = await createOrg(t, 'Harbour Clinics');
  orgId = org.id;
  const admin = await createUser(t);
  await grant(t, admin.id, orgId, 'admin');
  adminCookie = await signIn(t, admin.email);
});

afterAll(async () => {
  await t.close();
});

/** Signs `email` in to a fresh app of the org; the relying party and the started request. */
async function signedIn(email: string, params: Record<string, string> = {}) {
  const app = await registerApp(t, adminCookie, orgId);
  const config = await relyingParty(t, app);
  const started = await startAuthorization(config, params);
  const callback = await signInThrough(new Browser(await signIn(t, email)), started);
  const checks = { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce };
  return { config, callback, checks };
}

const gatehouseOf = (claims: Record<string, unknown> | undefined) => claims?.gatehouse as GatehouseClaim;

describe('a code or refresh token raced by two requests', () => {
  it('consumes a stored code or refresh token once when two consumes race', async () => {
    for (const model of ['AuthorizationCode', 'RefreshToken']) {
      const adapter = new (kyselyAdapter(t.ctx.db))(model);
      const id = `race-${model}-${String(Date.now())}`;
      await adapter.upsert(id, { accountId: 'nobody', grantId: `grant-${id}` }, 60);
      const results = await Promise.allSettled([adapter.consume(id), adapter.consume(id)]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected')?.reason as Error).message).toBe('invalid_grant');
      expect((await adapter.find(id))?.consumed).toBeTypeOf('number');
    }
  });

  it('gives tokens to exactly one of two concurrent exchanges of one code', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const { config, callback, checks } = await signedIn(user.email);
    const results = await Promise.allSettled([oidc.authorizationCodeGrant(config, callback, checks), oidc.authorizationCodeGrant(config, callback, checks)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({ error: 'invalid_grant' });
  });

  it('rotates a refresh token for exactly one of two concurrent refreshes', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const { config, callback, checks } = await signedIn(user.email);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const refresh = tokens.refresh_token ?? '';
    const results = await Promise.allSettled([oidc.refreshTokenGrant(config, refresh), oidc.refreshTokenGrant(config, refresh)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('the ID token grant cap', () => {
  it('puts at most 50 resource grants in the ID token, flagged, and all 60 at userinfo', async () => {
    const user = await createUser(t);
    const resources = [];
    for (let i = 0; i < 60; i += 1) resources.push(await createResource(t, orgId, `Site ${String(i).padStart(2, '0')}`, 'location'));
    await t.ctx.db
      .insertInto('grants')
      .values(resources.map((r) => ({ org_id: orgId, user_id: user.id, role: 'viewer', resource_id: r.id, updated_at: t.clock.now() })))
      .execute();
    const { config, callback, checks } = await signedIn(user.email);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const inToken = gatehouseOf(tokens.claims());
    expect(inToken.grants).toHaveLength(50);
    expect(inToken.grantsTruncated).toBe(true);
    // The first 50 by name.
    expect(inToken.grants.map((g) => g.name)).toEqual(resources.slice(0, 50).map((r) => r.name));
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    const atUserinfo = gatehouseOf(info);
    expect(atUserinfo.grants).toHaveLength(60);
    expect(atUserinfo.grantsTruncated).toBeUndefined();
  });
});

describe('narrowing to one resource', () => {
  const urn = (id: string) => `urn:gatehouse:resource:${id}`;

  it('carries only that resource’s grant, with the org-wide role, in the ID token, userinfo and after a refresh', async () => {
    const user = await createUser(t);
    const north = await createResource(t, orgId, 'North', 'location');
    const south = await createResource(t, orgId, 'South', 'location');
    await grant(t, user.id, orgId, 'member');
    await grant(t, user.id, orgId, 'viewer', north.id);
    await grant(t, user.id, orgId, 'admin', south.id);
    const { config, callback, checks } = await signedIn(user.email, { resource: urn(north.id) });
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const inToken = gatehouseOf(tokens.claims());
    expect(inToken.role).toBe('member');
    expect(inToken.grants.map((g) => [g.resourceId, g.role])).toEqual([[north.id, 'viewer']]);
    expect(gatehouseOf(await oidc.fetchUserInfo(config, tokens.access_token, user.id)).grants.map((g) => g.resourceId)).toEqual([north.id]);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(gatehouseOf(refreshed.claims()).grants.map((g) => g.resourceId)).toEqual([north.id]);
    expect(gatehouseOf(await oidc.fetchUserInfo(config, refreshed.access_token, user.id)).grants.map((g) => g.resourceId)).toEqual([north.id]);

    // Without the parameter, the same person gets every grant.
    const whole = await signedIn(user.email);
    const all = await oidc.authorizationCodeGrant(whole.config, whole.callback, whole.checks);
    expect(gatehouseOf(all.claims()).grants.map((g) => g.name)).toEqual(['North', 'South']);
  });

  it('lets an org-wide role narrow to a resource it has no grant on: the role applies there, no grants listed', async () => {
    const user = await createUser(t);
    const east = await createResource(t, orgId, 'East', 'location');
    await grant(t, user.id, orgId, 'member');
    const { config, callback, checks } = await signedIn(user.email, { resource: urn(east.id) });
    const claim = gatehouseOf((await oidc.authorizationCodeGrant(config, callback, checks)).claims());
    expect(claim).toMatchObject({ role: 'member', grants: [] });
  });

  it('refuses with invalid_target a resource the person cannot see, one of another org, and a bare id', async () => {
    const user = await createUser(t);
    const mine = await createResource(t, orgId, 'Mine', 'location');
    const notMine = await createResource(t, orgId, 'Not mine', 'location');
    const elsewhere = await createResource(t, (await createOrg(t, 'Elsewhere')).id, 'Far', 'location');
    await grant(t, user.id, orgId, 'viewer', mine.id);
    for (const resource of [urn(notMine.id), urn(elsewhere.id), mine.id, `${urn(mine.id)}x`]) {
      const { callback } = await signedIn(user.email, { resource });
      expect(callback.searchParams.get('error'), resource).toBe('invalid_target');
      expect(callback.searchParams.get('code')).toBeNull();
    }
  });
});
