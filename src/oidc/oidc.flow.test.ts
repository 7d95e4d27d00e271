/**
 * The OpenID provider end to end, with openid-client as the relying party over real HTTP
 * (docs/rules.md R47–R55): discovery, code + PKCE, state and nonce, claims, refresh rotation,
 * userinfo, revocation, introspection, logout, and what is refused.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInRole } from '../auth/permissions.js';
import { createOrg, createResource, createUser, grant, signIn, TEST_PASSWORD } from '../test/fixtures.js';
import { Browser, type ListeningApp, listeningOrg, registerApp, relyingParty, signInThrough, startAuthorization } from '../test/oidc.js';

let t: ListeningApp;
let orgId: string;
let adminCookie: string;

beforeAll(async () => {
  ({ t, orgId, adminCookie } = await listeningOrg('Riverside Clinics'));
});

afterAll(async () => {
  await t.close();
});

describe('OpenID provider', () => {
  it('publishes discovery under PUBLIC_URL/oidc with PKCE S256 and the Gatehouse scopes', async () => {
    const res = await fetch(`${t.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(t.issuer);
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'gatehouse', 'offline_access']));
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.response_types_supported).toEqual(['code']);
    const jwks = (await (await fetch(String(doc.jwks_uri))).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys.every((key) => key.d === undefined && key.p === undefined)).toBe(true);
  });

  it('signs a person in with code + PKCE: state, nonce, standard and gatehouse claims, userinfo', async () => {
    const user = await createUser(t, { first_name: 'Dana', last_name: 'Reyes' });
    const downtown = await createResource(t, orgId, 'Downtown', 'location');
    const uptown = await createResource(t, orgId, 'Uptown', 'location');
    await grant(t, user.id, orgId, 'member');
    await grant(t, user.id, orgId, 'admin', downtown.id);
    await grant(t, user.id, orgId, 'viewer', uptown.id);
    const person = await t.ctx.db
      .insertInto('people')
      .values({ org_id: orgId, first_name: 'Dana', last_name: 'Reyes', email: user.email, title: 'Vet', resource_id: downtown.id, user_id: user.id, updated_at: t.clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const started = await startAuthorization(config);
    const callback = await signInThrough(new Browser(await signIn(t, user.email)), started);

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
    const claims = tokens.claims();
    expect(claims?.sub).toBe(user.id);
    expect(claims).toMatchObject({ email: user.email, email_verified: true, given_name: 'Dana', family_name: 'Reyes', name: 'Dana Reyes' });
    expect(claims?.gatehouse).toEqual({
      orgId,
      role: 'member',
      permissions: ['org:read', 'members:read', 'people:read', 'invitations:read'],
      grants: [
        { resourceId: downtown.id, kind: 'location', name: 'Downtown', role: 'admin', permissions: [...(builtInRole('admin')?.permissions ?? [])] },
        { resourceId: uptown.id, kind: 'location', name: 'Uptown', role: 'viewer', permissions: ['org:read', 'members:read'] },
      ],
      person: { id: person.id, title: 'Vet', resourceId: downtown.id },
    });
    expect(tokens.expires_in).toBeLessThanOrEqual(300);
    expect(tokens.refresh_token).toBeTypeOf('string');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info.gatehouse).toEqual(claims?.gatehouse);

    // A wrong state is refused by the relying party.
    const other = await startAuthorization(config);
    const callback2 = await signInThrough(new Browser(await signIn(t, user.email)), other);
    await expect(oidc.authorizationCodeGrant(config, callback2, { pkceCodeVerifier: other.verifier, expectedState: 'not-the-state', expectedNonce: other.nonce })).rejects.toThrow(/invalid response/);
  });

  it('rotates refresh tokens, and a reused one revokes the whole family', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const started = await startAuthorization(config);
    const tokens = await oidc.authorizationCodeGrant(config, await signInThrough(new Browser(await signIn(t, user.email)), started), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    const first = tokens.refresh_token ?? '';
    const second = await oidc.refreshTokenGrant(config, first);
    expect(second.refresh_token).toBeTypeOf('string');
    expect(second.refresh_token).not.toBe(first);
    // The old one again: refused, and the new one dies with it.
    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, second.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, second.access_token, user.id)).rejects.toThrow();
  });

  it('refuses a code used twice and revokes what the first use issued', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const started = await startAuthorization(config);
    const callback = await signInThrough(new Browser(await signIn(t, user.email)), started);
    const checks = { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce };
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    await expect(oidc.authorizationCodeGrant(config, callback, checks)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toThrow();
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a request without PKCE and a redirect URI that does not match exactly', async () => {
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const noPkce = oidc.buildAuthorizationUrl(config, { redirect_uri: 'http://localhost:4000/callback', scope: 'openid', state: 's' });
    const res = await fetch(noPkce, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);

    const started = await startAuthorization(config, { redirect_uri: 'http://localhost:4000/callback/' });
    const wrong = await fetch(started.url, { redirect: 'manual' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/redirect_uri/);
  });

  it('does not sign in a person of another org to this org’s app: a clear page, no code', async () => {
    const otherOrg = await createOrg(t, 'Other Org');
    const outsider = await createUser(t);
    await grant(t, outsider.id, otherOrg.id, 'owner');
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const browser = new Browser(await signIn(t, outsider.email));
    const started = await startAuthorization(config);
    const { location, page } = await browser.follow(started.url.href, 'http://localhost:4000/callback');
    expect(location).toBeNull();
    expect(page?.status).toBe(200);
    const uid = /\/authorize\/([^/?]+)/.exec(browser.visited.at(-1) ?? '')?.[1] ?? '';
    const details = await browser.request(`${t.baseUrl}/api/v1/interactions/${uid}`);
    expect(await details.json()).toMatchObject({ allowed: false, app: { name: 'Clinic App' } });
    const confirm = await browser.request(`${t.baseUrl}/api/v1/interactions/${uid}/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(confirm.status).toBe(403);
    expect(((await confirm.json()) as { error: { code: string } }).error.code).toBe('APP_ACCESS_DENIED');
  });

  it('revokes, introspects for confidential apps only, and logs out', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const app = await registerApp(t, adminCookie, orgId, { postLogoutRedirectUris: ['http://localhost:4000/bye'] });
    const config = await relyingParty(t, app);
    const browser = new Browser(await signIn(t, user.email));
    const started = await startAuthorization(config);
    const tokens = await oidc.authorizationCodeGrant(config, await signInThrough(browser, started), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toMatchObject({ active: true, sub: user.id });
    await oidc.tokenRevocation(config, tokens.refresh_token ?? '');
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });

    const publicApp = await registerApp(t, adminCookie, orgId, { type: 'public' });
    const publicConfig = await relyingParty(t, publicApp);
    expect(await oidc.tokenIntrospection(publicConfig, tokens.access_token)).toMatchObject({ active: false });

    const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: 'http://localhost:4000/bye', state: 'bye' });
    const confirmPage = await browser.request(end.href);
    expect(confirmPage.status).toBe(200);
    const html = await confirmPage.text();
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const done = await browser.request(new URL(action, t.baseUrl).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('http://localhost:4000/bye?state=bye');
  });

  it('follows grant changes at the next refresh; removing a grant revokes the tokens and sessions, with an event', async () => {
    const user = await createUser(t);
    const clinic = await createResource(t, orgId, 'Eastside', 'location');
    const other = await createResource(t, orgId, 'Westside', 'location');
    await grant(t, user.id, orgId, 'viewer', clinic.id);
    await grant(t, user.id, orgId, 'viewer', other.id);
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const started = await startAuthorization(config);
    const tokens = await oidc.authorizationCodeGrant(config, await signInThrough(new Browser(await signIn(t, user.email)), started), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    const roles = (claims: oidc.IDToken | undefined) => (claims?.gatehouse as { grants: { name: string; role: string }[] }).grants.map((g) => `${g.name}:${g.role}`);
    expect(roles(tokens.claims())).toEqual(['Eastside:viewer', 'Westside:viewer']);

    // A role change shows at the next refresh.
    const changed = await t.inject({
      method: 'PUT',
      url: `/api/v1/orgs/${orgId}/members/${user.id}/grants`,
      headers: { cookie: adminCookie },
      payload: { resourceId: clinic.id, role: 'member' },
    });
    expect(changed.statusCode).toBe(200);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(roles(refreshed.claims())).toEqual(['Eastside:member', 'Westside:viewer']);

    // Removing a grant: the refresh token, the access token and the provider session are gone.
    const removed = await t.inject({
      method: 'DELETE',
      url: `/api/v1/orgs/${orgId}/members/${user.id}/grants?resourceId=${other.id}`,
      headers: { cookie: adminCookie },
    });
    expect(removed.statusCode).toBe(204);
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, refreshed.access_token, user.id)).rejects.toThrow();
    expect(await t.ctx.db.selectFrom('oidc_payloads').select('id').where('account_id', '=', user.id).execute()).toEqual([]);
    const events = await t.ctx.db.selectFrom('events').select(['type', 'data']).where('user_id', '=', user.id).where('type', '=', 'user.tokens_revoked').execute();
    expect(events).toEqual([{ type: 'user.tokens_revoked', data: { reason: 'grant_removed', grants: 1 } }]);

    // Signing in again gives a token without the removed grant.
    const again = await startAuthorization(config);
    const fresh = await oidc.authorizationCodeGrant(config, await signInThrough(new Browser(await signIn(t, user.email)), again), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      expectedNonce: again.nonce,
    });
    expect(roles(fresh.claims())).toEqual(['Eastside:member']);
  });

  it('deleting an account revokes its tokens', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const cookie = await signIn(t, user.email);
    const started = await startAuthorization(config);
    const tokens = await oidc.authorizationCodeGrant(config, await signInThrough(new Browser(cookie), started), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    const deleted = await t.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie }, payload: { password: TEST_PASSWORD } });
    expect(deleted.statusCode).toBe(204);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await t.ctx.db.selectFrom('oidc_payloads').select('id').where('account_id', '=', user.id).execute()).toEqual([]);
  });
});
