/**
 * Signing in to an app with an invitation (docs/rules.md R58): the app passes `invitation=<token>`
 * on /authorize, the invitee registers or signs in and accepts on Gatehouse's page, and the app
 * gets its code; the first ID token says which invitation was accepted, later ones do not.
 * openid-client is the relying party; the small Browser of src/test/oidc.ts plays the page's requests.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrg, createResource, createUser, grant, signIn, TEST_PASSWORD, uniqueEmail } from '../test/fixtures.js';
import { inviteOk } from '../test/invitations.js';
import { Browser, type ListeningApp, listeningOrg, registerApp, relyingParty, type Started, startAuthorization } from '../test/oidc.js';

let t: ListeningApp;
let orgId: string;
let adminCookie: string;
let config: oidc.Configuration;
const CALLBACK = 'http://localhost:4000/callback';

beforeAll(async () => {
  ({ t, orgId, adminCookie } = await listeningOrg('Lakeside Clinics'));
  config = await relyingParty(t, await registerApp(t, adminCookie, orgId));
});

afterAll(async () => {
  await t.close();
});

/** Starts an authorization with the invitation and follows it to Gatehouse's page: the interaction's uid. */
async function toThePage(browser: Browser, started: Started): Promise<string> {
  const { location, page } = await browser.follow(started.url.href, CALLBACK);
  expect(location).toBeNull();
  expect(page?.status).toBe(200);
  const uid = /\/authorize\/([^/?]+)/.exec(browser.visited.at(-1) ?? '')?.[1];
  if (uid === undefined) throw new Error(`not at the page: ${browser.visited.join(' -> ')}`);
  return uid;
}

async function post(browser: Browser, url: string, body: unknown = {}) {
  return browser.request(`${t.baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Follows the page's `redirectTo` back through the provider to the app's callback. */
async function backToApp(browser: Browser, redirectTo: string): Promise<URL> {
  const { location } = await browser.follow(new URL(redirectTo, t.baseUrl).href, CALLBACK);
  if (location === null) throw new Error(`no code: ${browser.visited.join(' -> ')}`);
  return new URL(location);
}

const exchange = (callback: URL, started: Started) =>
  oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });

describe('invitation=<token> on /authorize', () => {
  it('a new invitee registers on the page, lands in the app with a code, and the first ID token names the invitation', async () => {
    const clinic = await createResource(t, orgId, 'Lakeside North', 'location');
    const email = uniqueEmail('newcomer');
    const { invitation, token } = await inviteOk(t, adminCookie, orgId, { email, role: 'viewer', resourceId: clinic.id });
    const browser = new Browser();
    const started = await startAuthorization(config, { invitation: token });
    const uid = await toThePage(browser, started);
    const details = await (await browser.request(`${t.baseUrl}/api/v1/interactions/${uid}`)).json();
    expect(details).toMatchObject({ invitation: token, invitationFound: true, account: null, allowed: null });

    const registered = await post(browser, '/api/v1/invitations/register', { token, firstName: 'Nia', lastName: 'Okafor', password: TEST_PASSWORD, acceptTerms: true });
    expect(registered.status).toBe(201);
    const accepted = await post(browser, `/api/v1/interactions/${uid}/accept-invitation`);
    expect(accepted.status).toBe(200);
    const tokens = await exchange(await backToApp(browser, ((await accepted.json()) as { redirectTo: string }).redirectTo), started);
    const claims = tokens.claims();
    expect(claims?.email).toBe(email);
    expect(claims?.gatehouse_invitation).toEqual({ id: invitation.id, orgId, resourceId: clinic.id, role: 'viewer' });
    expect(claims?.gatehouse).toMatchObject({ grants: [{ resourceId: clinic.id, role: 'viewer' }] });

    // Later tokens do not carry it: a refresh, userinfo, and the next sign-in.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(refreshed.claims()?.gatehouse_invitation).toBeUndefined();
    expect((await oidc.fetchUserInfo(config, tokens.access_token, claims?.sub ?? '')).gatehouse_invitation).toBeUndefined();
    const again = await startAuthorization(config);
    const next = await exchange(await backToApp(browser, again.url.href), again);
    expect(next.claims()?.gatehouse_invitation).toBeUndefined();
  });

  it('an existing account, already signed in to the app, still meets the page, accepts, and gets the claim once', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'viewer', (await createResource(t, orgId, 'Lakeside East')).id);
    const browser = new Browser(await signIn(t, user.email));
    // Signed in to the app once already, so the provider has a session and a grant.
    const first = await startAuthorization(config);
    await exchange(await backToApp(browser, first.url.href), first);

    const { invitation, token } = await inviteOk(t, adminCookie, orgId, { email: user.email, role: 'member' });
    const started = await startAuthorization(config, { invitation: token });
    const uid = await toThePage(browser, started);
    expect(await (await browser.request(`${t.baseUrl}/api/v1/interactions/${uid}`)).json()).toMatchObject({ invitationFound: true, allowed: true });
    const accepted = await post(browser, `/api/v1/interactions/${uid}/accept-invitation`);
    expect(accepted.status).toBe(200);
    const tokens = await exchange(await backToApp(browser, ((await accepted.json()) as { redirectTo: string }).redirectTo), started);
    expect(tokens.claims()?.gatehouse_invitation).toEqual({ id: invitation.id, orgId, resourceId: null, role: 'member' });
    expect(tokens.claims()?.gatehouse).toMatchObject({ role: 'member' });
    const row = await t.ctx.db.selectFrom('invitations').select(['status', 'user_id']).where('id', '=', invitation.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'accepted', user_id: user.id });
  });

  it('a wrong account is refused without consuming the invitation, and can sign out and accept as the right one', async () => {
    const invitee = await createUser(t);
    const other = await createUser(t);
    await grant(t, other.id, orgId, 'member');
    const { invitation, token } = await inviteOk(t, adminCookie, orgId, { email: invitee.email, role: 'viewer' });
    const browser = new Browser(await signIn(t, other.email));
    const started = await startAuthorization(config, { invitation: token });
    const uid = await toThePage(browser, started);
    const refused = await post(browser, `/api/v1/interactions/${uid}/accept-invitation`);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('EMAIL_MISMATCH');
    expect((await t.ctx.db.selectFrom('invitations').select('status').where('id', '=', invitation.id).executeTakeFirstOrThrow()).status).not.toBe('accepted');

    // Switching account: sign out, sign in as the invitee, accept.
    expect((await post(browser, '/api/v1/auth/sign-out')).status).toBe(204);
    expect((await post(browser, '/api/v1/auth/sign-in', { email: invitee.email, password: TEST_PASSWORD })).status).toBe(200);
    const accepted = await post(browser, `/api/v1/interactions/${uid}/accept-invitation`);
    expect(accepted.status).toBe(200);
    const tokens = await exchange(await backToApp(browser, ((await accepted.json()) as { redirectTo: string }).redirectTo), started);
    expect(tokens.claims()?.sub).toBe(invitee.id);
    expect(tokens.claims()?.gatehouse_invitation).toMatchObject({ id: invitation.id });
  });

  it('an unknown token, one of another org, and a revoked invitation are refused with a clear code; no code reaches the app', async () => {
    const user = await createUser(t);
    const browser = new Browser(await signIn(t, user.email));
    const otherOrg = await createOrg(t, 'Other Clinics');
    const otherAdmin = await createUser(t);
    await grant(t, otherAdmin.id, otherOrg.id, 'admin');
    const foreign = await inviteOk(t, await signIn(t, otherAdmin.email), otherOrg.id, { email: user.email, role: 'viewer' });
    const revoked = await inviteOk(t, adminCookie, orgId, { email: user.email, role: 'viewer' });
    const revoke = await t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations/${revoked.invitation.id}/revoke`, headers: { cookie: adminCookie } });
    expect(revoke.statusCode).toBe(200);

    for (const [token, found, code] of [
      ['x'.repeat(43), false, 'INVITATION_NOT_FOUND'],
      [foreign.token, false, 'INVITATION_NOT_FOUND'],
      [revoked.token, true, 'INVITATION_REVOKED'],
    ] as const) {
      const started = await startAuthorization(config, { invitation: token });
      const uid = await toThePage(browser, started);
      expect(await (await browser.request(`${t.baseUrl}/api/v1/interactions/${uid}`)).json()).toMatchObject({ invitationFound: found });
      const res = await post(browser, `/api/v1/interactions/${uid}/accept-invitation`);
      expect(((await res.json()) as { error: { code: string } }).error.code, token).toBe(code);
    }
    // The invitation of the other org was not touched; the user has no grant here.
    expect((await t.ctx.db.selectFrom('invitations').select('status').where('id', '=', foreign.invitation.id).executeTakeFirstOrThrow()).status).not.toBe('accepted');
    expect(await t.ctx.db.selectFrom('grants').select('id').where('user_id', '=', user.id).where('org_id', '=', orgId).execute()).toEqual([]);
  });

  it('someone who already has access may go on without accepting: an ordinary sign-in, no claim, the invitation still live', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'viewer', (await createResource(t, orgId, 'Lakeside West')).id);
    const { invitation, token } = await inviteOk(t, adminCookie, orgId, { email: user.email, role: 'admin' });
    const browser = new Browser(await signIn(t, user.email));
    const started = await startAuthorization(config, { invitation: token });
    const uid = await toThePage(browser, started);
    const confirmed = await post(browser, `/api/v1/interactions/${uid}/confirm`);
    expect(confirmed.status).toBe(200);
    const tokens = await exchange(await backToApp(browser, ((await confirmed.json()) as { redirectTo: string }).redirectTo), started);
    expect(tokens.claims()?.gatehouse_invitation).toBeUndefined();
    expect(tokens.claims()?.gatehouse).toMatchObject({ role: null });
    expect((await t.ctx.db.selectFrom('invitations').select('status').where('id', '=', invitation.id).executeTakeFirstOrThrow()).status).not.toBe('accepted');
  });
});
