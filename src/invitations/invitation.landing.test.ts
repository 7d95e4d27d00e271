/**
 * Invitations that land the invitee in an app (docs/rules.md R60–R63): the `appId` and `returnTo`
 * an invitation or an org default names, checked against the org's apps; and where the accept
 * sends the browser next.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteApp, insertApp } from '../apps/app.repository.js';
import type { AppRow } from '../db/schema.js';
import { errorCode, TEST_PUBLIC_URL, testApp, type TestApp } from '../test/app.js';
import { createOrg, createUser, grant, ownerWithOrg, signIn, TEST_PASSWORD, uniqueEmail } from '../test/fixtures.js';
import { auth, eventTypes, invitationRow, invite, inviteOk, type InvitationAnswer } from '../test/invitations.js';
import { listInvitationEvents } from '../events/event.repository.js';
import { replay, stateOf } from './invitation.replay.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const code = errorCode;
const CALLBACK = 'https://host.example/auth/callback';
const LOGIN = 'https://host.example/login';

/** An app of the org, written through its repository (the Apps API is another area's). */
async function createApp(orgId: string, fields: { initiateLoginUri?: string | null; name?: string } = {}): Promise<AppRow> {
  return insertApp(t.ctx.db, orgId, {
    name: fields.name ?? 'Clinic Portal',
    type: 'public',
    clientId: `client-${randomUUID()}`,
    clientSecretHash: null,
    redirectUris: [CALLBACK],
    postLogoutRedirectUris: [],
    allowedOrigins: ['https://host.example', 'http://localhost:4000'],
    initiateLoginUri: fields.initiateLoginUri === undefined ? LOGIN : fields.initiateLoginUri,
    firstParty: true,
  });
}

async function setup() {
  const owner = await ownerWithOrg(t);
  const app = await createApp(owner.org.id);
  return { ...owner, app };
}

async function countFor(email: string): Promise<number> {
  const rows = await t.ctx.db.selectFrom('invitations').select('id').where('email', '=', email).execute();
  return rows.length;
}

function detailsOf(res: { json: () => unknown }): { path: string; message: string }[] {
  return (res.json() as { error: { details: { path: string; message: string }[] } }).error.details;
}

describe('create: appId and returnTo', () => {
  it('accepts an exact redirect URI of the org app and presents appId and returnTo', async () => {
    const { org, cookie, app } = await setup();
    const res = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: app.id, returnTo: CALLBACK });
    expect(res.statusCode).toBe(201);
    expect(res.json<InvitationAnswer>()).toMatchObject({ appId: app.id, returnTo: CALLBACK });
    const row = await invitationRow(t, res.json<InvitationAnswer>().id);
    expect(row).toMatchObject({ app_id: app.id, return_to: CALLBACK });
  });

  it('accepts any address on one of the app’s allowed origins (same scheme, host and port)', async () => {
    const { org, cookie, app } = await setup();
    for (const returnTo of ['https://host.example/schedule?week=3', 'http://localhost:4000/']) {
      const res = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: app.id, returnTo });
      expect(res.statusCode, returnTo).toBe(201);
      expect(res.json<InvitationAnswer>().returnTo).toBe(returnTo);
    }
  });

  it('refuses an address the app does not allow (another host, scheme or port) with RETURN_TO_NOT_ALLOWED at returnTo, creating nothing', async () => {
    const { org, cookie, app } = await setup();
    for (const returnTo of [
      'https://evil.example/phish',
      'https://host.example.evil.example/',
      'http://host.example/',
      'https://host.example:8443/',
      'http://localhost:4001/',
      'https://user:pw@host.example/',
      '/relative/path',
    ]) {
      const email = uniqueEmail();
      const res = await invite(t, cookie, org.id, { email, role: 'member', appId: app.id, returnTo });
      expect(res.statusCode, returnTo).toBe(400);
      expect(code(res)).toBe('RETURN_TO_NOT_ALLOWED');
      expect(detailsOf(res)[0]?.path).toBe('returnTo');
      expect(await countFor(email)).toBe(0);
    }
  });

  it('refuses javascript: and data: addresses (no script or content smuggled into the landing)', async () => {
    const { org, cookie, app } = await setup();
    for (const returnTo of ['javascript:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'JAVASCRIPT://host.example/%0aalert(1)']) {
      const email = uniqueEmail();
      const res = await invite(t, cookie, org.id, { email, role: 'member', appId: app.id, returnTo });
      expect(res.statusCode, returnTo).toBe(400);
      expect(code(res)).toBe('RETURN_TO_NOT_ALLOWED');
      expect(await countFor(email)).toBe(0);
    }
  });

  it('answers 404 APP_NOT_FOUND for an app of another org (or none at all), creating nothing', async () => {
    const { org, cookie } = await setup();
    const other = await createOrg(t, 'Other Org');
    const foreign = await createApp(other.id);
    for (const appId of [foreign.id, randomUUID()]) {
      const email = uniqueEmail();
      const res = await invite(t, cookie, org.id, { email, role: 'member', appId, returnTo: CALLBACK });
      expect(res.statusCode).toBe(404);
      expect(code(res)).toBe('APP_NOT_FOUND');
      expect(detailsOf(res)[0]?.path).toBe('appId');
      expect(await countFor(email)).toBe(0);
    }
  });

  it('refuses a returnTo without an app (no open redirect), and a non-uuid appId', async () => {
    const { org, cookie } = await setup();
    const email = uniqueEmail();
    const bare = await invite(t, cookie, org.id, { email, role: 'member', returnTo: CALLBACK });
    expect(bare.statusCode).toBe(400);
    expect(code(bare)).toBe('RETURN_TO_NOT_ALLOWED');
    const nulled = await invite(t, cookie, org.id, { email, role: 'member', appId: null, returnTo: CALLBACK });
    expect(code(nulled)).toBe('RETURN_TO_NOT_ALLOWED');
    const notUuid = await invite(t, cookie, org.id, { email, role: 'member', appId: 'app-1', returnTo: CALLBACK });
    expect(notUuid.statusCode).toBe(400);
    expect(code(notUuid)).toBe('VALIDATION_FAILED');
    const notString = await invite(t, cookie, org.id, { email, role: 'member', appId: null, returnTo: 42 });
    expect(code(notString)).toBe('VALIDATION_FAILED');
    expect(await countFor(email)).toBe(0);
  });

  it('an app alone is enough when it has an initiate-login URI; without one it needs a returnTo', async () => {
    const { org, cookie, app } = await setup();
    const ok = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: app.id });
    expect(ok.statusCode).toBe(201);
    expect(ok.json<InvitationAnswer>()).toMatchObject({ appId: app.id, returnTo: null });
    const bare = await createApp(org.id, { initiateLoginUri: null });
    const email = uniqueEmail();
    const refused = await invite(t, cookie, org.id, { email, role: 'member', appId: bare.id });
    expect(refused.statusCode).toBe(400);
    expect(code(refused)).toBe('RETURN_TO_NOT_ALLOWED');
    expect(await countFor(email)).toBe(0);
  });

  it('bulk: a bad landing fails its item alone; the others carry theirs', async () => {
    const { org, cookie, app } = await setup();
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/invitations/bulk`,
      headers: auth(cookie),
      payload: {
        invitations: [
          { email: uniqueEmail(), role: 'member', appId: app.id, returnTo: CALLBACK },
          { email: uniqueEmail(), role: 'member', appId: app.id, returnTo: 'https://evil.example/' },
          { email: uniqueEmail(), role: 'member', returnTo: CALLBACK },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const results = res.json<{ results: { ok: boolean; invitation?: InvitationAnswer; error?: { code: string } }[] }>().results;
    expect(results[0]).toMatchObject({ ok: true, invitation: { appId: app.id, returnTo: CALLBACK } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'RETURN_TO_NOT_ALLOWED' } });
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'RETURN_TO_NOT_ALLOWED' } });
  });
});

describe('the org default landing', () => {
  const patchOrg = (cookie: string, orgId: string, settings: Record<string, unknown>) =>
    t.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}`, headers: auth(cookie), payload: { settings } });

  it('is set in the org settings, applied to invitations that name no app, and overridden by appId: null', async () => {
    const { org, cookie, app } = await setup();
    const set = await patchOrg(cookie, org.id, { defaultAppId: app.id, defaultReturnTo: 'https://host.example/welcome' });
    expect(set.statusCode).toBe(200);
    expect(set.json<{ settings: Record<string, unknown> }>().settings).toMatchObject({
      defaultAppId: app.id,
      defaultReturnTo: 'https://host.example/welcome',
    });
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    expect(invitation).toMatchObject({ appId: app.id, returnTo: 'https://host.example/welcome' });
    const own = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: app.id, returnTo: CALLBACK });
    expect(own.invitation).toMatchObject({ appId: app.id, returnTo: CALLBACK });
    const none = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: null });
    expect(none.invitation).toMatchObject({ appId: null, returnTo: null });
  });

  it('refuses a default the app does not allow, an app of another org, or an address alone; the settings stay as they were', async () => {
    const { org, cookie, app } = await setup();
    const foreign = await createApp((await createOrg(t, 'Other')).id);
    const before = (await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}`, headers: auth(cookie) })).json<{ settings: object }>().settings;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ defaultAppId: app.id, defaultReturnTo: 'https://evil.example/' }, 'RETURN_TO_NOT_ALLOWED', 'settings.defaultReturnTo'],
      [{ defaultAppId: app.id, defaultReturnTo: 'javascript:alert(1)' }, 'RETURN_TO_NOT_ALLOWED', 'settings.defaultReturnTo'],
      [{ defaultAppId: foreign.id, defaultReturnTo: CALLBACK }, 'APP_NOT_FOUND', 'settings.defaultAppId'],
      [{ defaultReturnTo: CALLBACK }, 'RETURN_TO_NOT_ALLOWED', 'settings.defaultReturnTo'],
    ];
    for (const [settings, expected, path] of cases) {
      const res = await patchOrg(cookie, org.id, { ...settings, openTracking: false });
      expect(code(res), JSON.stringify(settings)).toBe(expected);
      expect(detailsOf(res)[0]?.path).toBe(path);
    }
    const after = (await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}`, headers: auth(cookie) })).json<{ settings: object }>().settings;
    expect(after).toEqual(before);
  });

  it('clears with the app: deleting the app nulls the default and every invitation’s app and address', async () => {
    const { org, cookie, app } = await setup();
    expect((await patchOrg(cookie, org.id, { defaultAppId: app.id, defaultReturnTo: CALLBACK })).statusCode).toBe(200);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    expect(invitation.appId).toBe(app.id);
    expect(await deleteApp(t.ctx.db, org.id, app.id)).toBe(true);
    const orgNow = (await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}`, headers: auth(cookie) })).json<{ settings: object }>();
    expect(orgNow.settings).toMatchObject({ defaultAppId: null, defaultReturnTo: null });
    const got = await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/invitations/${invitation.id}`, headers: auth(cookie) });
    expect(got.json<InvitationAnswer>()).toMatchObject({ appId: null, returnTo: null });
  });
});

describe('edit: PATCH appId and returnTo', () => {
  const patch = (cookie: string, orgId: string, id: string, payload: object) =>
    t.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}/invitations/${id}`, headers: auth(cookie), payload });

  it('changes the address, resets it with a new app, clears both with appId: null; each change is an event', async () => {
    const { org, cookie, app } = await setup();
    const second = await createApp(org.id, { name: 'Second' });
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: app.id, returnTo: CALLBACK });
    const moved = await patch(cookie, org.id, invitation.id, { returnTo: 'https://host.example/rota' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json<InvitationAnswer>()).toMatchObject({ appId: app.id, returnTo: 'https://host.example/rota' });
    const switched = await patch(cookie, org.id, invitation.id, { appId: second.id });
    expect(switched.json<InvitationAnswer>()).toMatchObject({ appId: second.id, returnTo: null });
    const cleared = await patch(cookie, org.id, invitation.id, { appId: null });
    expect(cleared.json<InvitationAnswer>()).toMatchObject({ appId: null, returnTo: null });
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.updated', 'invitation.updated', 'invitation.updated']);
    // The events say it all (docs/rules.md R38): replaying them gives the row, landing included.
    const events = await listInvitationEvents(t.ctx.db, invitation.id);
    const row = await invitationRow(t, invitation.id);
    if (row === undefined) throw new Error('no row');
    expect(replay(invitation.id, events.map((e) => ({ type: e.type, data: e.data, occurredAt: e.occurred_at })))).toEqual(stateOf(row));
    const first = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: app.id, returnTo: CALLBACK });
    const created = await listInvitationEvents(t.ctx.db, first.invitation.id);
    const firstRow = await invitationRow(t, first.invitation.id);
    if (firstRow === undefined) throw new Error('no row');
    expect(replay(first.invitation.id, created.map((e) => ({ type: e.type, data: e.data, occurredAt: e.occurred_at })))).toMatchObject({
      appId: app.id,
      returnTo: CALLBACK,
    });
    expect(stateOf(firstRow)).toMatchObject({ appId: app.id, returnTo: CALLBACK });
  });

  it('bad input changes nothing: a foreign address, a foreign app, an address without app', async () => {
    const { org, cookie, app } = await setup();
    const foreign = await createApp((await createOrg(t, 'Other')).id);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', appId: app.id, returnTo: CALLBACK });
    const before = await invitationRow(t, invitation.id);
    const cases: [object, string][] = [
      [{ returnTo: 'https://evil.example/', role: 'viewer' }, 'RETURN_TO_NOT_ALLOWED'],
      [{ returnTo: 'data:text/html,hi' }, 'RETURN_TO_NOT_ALLOWED'],
      [{ appId: foreign.id, returnTo: CALLBACK }, 'APP_NOT_FOUND'],
      [{ appId: null, returnTo: CALLBACK }, 'RETURN_TO_NOT_ALLOWED'],
    ];
    for (const [body, expected] of cases) {
      expect(code(await patch(cookie, org.id, invitation.id, body)), JSON.stringify(body)).toBe(expected);
    }
    expect(await invitationRow(t, invitation.id)).toEqual(before);
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created']);
  });
});

describe('after the accept: where the browser goes', () => {
  const post = (path: string, payload: object, cookie?: string) =>
    t.inject({ method: 'POST', url: `/api/v1/invitations/${path}`, payload, ...(cookie === undefined ? {} : { headers: { cookie } }) });

  it('register answers next: the app’s initiate-login URI with iss, login_hint and target_link_uri', async () => {
    const { org, cookie, app } = await setup();
    const email = uniqueEmail();
    const { token } = await inviteOk(t, cookie, org.id, { email, role: 'member', appId: app.id, returnTo: 'https://host.example/rota?week=2' });
    const res = await post('register', { token, firstName: 'Ada', lastName: 'Lovelace', password: TEST_PASSWORD, acceptTerms: true });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ next: string; app: { id: string; name: string }; consoleAccess: boolean }>();
    expect(body.app).toEqual({ id: app.id, name: 'Clinic Portal' });
    const next = new URL(body.next);
    expect(`${next.origin}${next.pathname}`).toBe(LOGIN);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      iss: `${TEST_PUBLIC_URL}/oidc`,
      login_hint: email,
      target_link_uri: 'https://host.example/rota?week=2',
    });
  });

  it('accept answers the returnTo itself when the app has no initiate-login URI', async () => {
    const { org, cookie } = await setup();
    const app = await createApp(org.id, { initiateLoginUri: null });
    const user = await createUser(t);
    const { token } = await inviteOk(t, cookie, org.id, { email: user.email, role: 'member', appId: app.id, returnTo: CALLBACK });
    const res = await post('accept', { token }, await signIn(t, user.email));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ next: CALLBACK, app: { id: app.id }, consoleAccess: true });
  });

  it('without an app, next is null; consoleAccess says whether the role can use the console', async () => {
    const { org, cookie } = await setup();
    await t.ctx.db
      .insertInto('roles')
      .values({ org_id: org.id, key: 'nurse', name: 'Nurse', permissions: JSON.stringify(['charts:read']), updated_at: t.clock.now() })
      .execute();
    const member = await createUser(t);
    const nurse = await createUser(t);
    const a = await inviteOk(t, cookie, org.id, { email: member.email, role: 'member' });
    const b = await inviteOk(t, cookie, org.id, { email: nurse.email, role: 'nurse' });
    expect((await post('accept', { token: a.token }, await signIn(t, member.email))).json()).toMatchObject({ next: null, app: null, consoleAccess: true });
    expect((await post('accept', { token: b.token }, await signIn(t, nurse.email))).json()).toMatchObject({ next: null, app: null, consoleAccess: false });
  });

  it('an address the app stopped allowing since goes nowhere (no redirect to it)', async () => {
    const { org, cookie } = await setup();
    const app = await createApp(org.id, { initiateLoginUri: null });
    const user = await createUser(t);
    const { token } = await inviteOk(t, cookie, org.id, { email: user.email, role: 'member', appId: app.id, returnTo: 'https://host.example/x' });
    await t.ctx.db.updateTable('apps').set({ allowed_origins: JSON.stringify([]) }).where('id', '=', app.id).execute();
    const res = await post('accept', { token }, await signIn(t, user.email));
    expect(res.json()).toMatchObject({ next: null, app: null });
  });

  it('the wrong account is shown, never consumed: EMAIL_MISMATCH and the invitation stays live for its app', async () => {
    const { org, cookie, app } = await setup();
    const invited = uniqueEmail();
    const other = await createUser(t);
    await grant(t, other.id, org.id, 'viewer');
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: invited, role: 'member', appId: app.id, returnTo: CALLBACK });
    const res = await post('accept', { token }, await signIn(t, other.email));
    expect(code(res)).toBe('EMAIL_MISMATCH');
    expect(res.json()).not.toHaveProperty('next');
    expect(await invitationRow(t, invitation.id)).toMatchObject({ status: 'pending', app_id: app.id, return_to: CALLBACK });
  });
});
