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
      .values(resources.map((r) => ({ org_id: orgId, user_id: user.id, role: 'viewer', resource_id: r.id })))
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
