import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../clock.js';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { errorCode, loggingApp, testApp, type TestApp } from '../test/app.js';
import { createResource, createUser, grant, ownerWithOrg, signIn, TEST_PASSWORD, uniqueEmail } from '../test/fixtures.js';
import { createPerson, eventTypes, invitationRow, inviteOk, markSent, queuedEmails } from '../test/invitations.js';
import { consoleLink } from './invitation.token.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const code = errorCode;
const post = (path: string, payload: object, cookie?: string) =>
  t.inject({ method: 'POST', url: `/api/v1/invitations/${path}`, payload, ...(cookie === undefined ? {} : { headers: { cookie } }) });

interface Lookup {
  invitation: { orgName: string; resourceName: string | null; roleName: string; inviterName: string; email: string; expiresAt: string; status: string };
  account: { exists: boolean; signedIn: boolean; signedInEmail: string | null; emailMatches: boolean };
}

describe('the link: GET/HEAD /invite/:token', () => {
  it('serves the page with no-referrer and no-store, changes no state, records a visit (scanners flagged)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    await markSent(t, invitation.id);
    const before = await invitationRow(t, invitation.id);
    const head = await t.inject({ method: 'HEAD', url: `/invite/${token}` });
    expect(head.statusCode).toBe(200);
    const early = await t.inject({ method: 'GET', url: `/invite/${token}`, headers: { 'user-agent': 'Mozilla/5.0 Firefox' } });
    t.clock.advance(MINUTE);
    const person = await t.inject({ method: 'GET', url: `/invite/${token}`, headers: { 'user-agent': 'Mozilla/5.0 Firefox' } });
    const scanner = await t.inject({ method: 'GET', url: `/invite/${token}`, headers: { 'user-agent': 'Proofpoint URL Defense' } });
    for (const res of [early, person, scanner]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body).not.toContain(token);
    }
    expect(await invitationRow(t, invitation.id)).toEqual(before);
    const visits = await t.ctx.db
      .selectFrom('events')
      .select('data')
      .where('invitation_id', '=', invitation.id)
      .where('type', '=', 'invitation.visited')
      .orderBy('seq')
      .execute();
    expect(visits.map((v) => v.data)).toEqual([
      { method: 'HEAD', likelyScanner: true },
      { method: 'GET', likelyScanner: true },
      { method: 'GET', likelyScanner: false },
      { method: 'GET', likelyScanner: true },
    ]);
    const unknown = await t.inject({ method: 'GET', url: '/invite/not-a-token' });
    expect(unknown.statusCode).toBe(200);
  });
});

describe('lookup', () => {
  it('answers the documented shape and marks clicked (once)', async () => {
    const { org, cookie, user } = await ownerWithOrg(t);
    const clinic = await createResource(t, org.id, 'Harbor Clinic');
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'admin', resourceId: clinic.id });
    await markSent(t, invitation.id);
    const res = await post('lookup', { token });
    expect(res.statusCode).toBe(200);
    expect(res.json<Lookup>()).toEqual({
      invitation: {
        branding: { logoUrl: null, brandColor: null, brandTextColor: null, termsUrl: null },
        roleSummary:
          "Can invite people and manage their invitations, change who has access and with which role, define roles, change the organization's settings and manage API keys and webhooks.",
        orgName: 'Acme Clinics',
        resourceName: 'Harbor Clinic',
        roleName: 'Admin',
        inviterName: `${user.first_name} ${user.last_name}`,
        email: invitation.email,
        firstName: null,
        lastName: null,
        message: null,
        expiresAt: invitation.expiresAt,
        status: 'clicked',
      },
      account: { exists: false, signedIn: false, signedInEmail: null, emailMatches: false },
    });
    t.clock.advance(MINUTE);
    await post('lookup', { token });
    const row = await invitationRow(t, invitation.id);
    expect(row?.status).toBe('clicked');
    expect(row?.clicked_at?.getTime()).toBe(t.clock.now().getTime() - MINUTE);
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.sent', 'invitation.clicked']);
  });

  it('tells the page who is signed in and whether the email matches', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const invitee = await createUser(t);
    const { token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member' });
    const other = await createUser(t);
    const wrong = (await post('lookup', { token }, await signIn(t, other.email))).json<Lookup>();
    expect(wrong.account).toEqual({ exists: true, signedIn: true, signedInEmail: other.email, emailMatches: false });
    const right = (await post('lookup', { token }, await signIn(t, invitee.email))).json<Lookup>();
    expect(right.account).toEqual({ exists: true, signedIn: true, signedInEmail: invitee.email, emailMatches: true });
  });

  it('404 INVITATION_NOT_FOUND for unknown tokens; 400 for a missing one', async () => {
    const res = await post('lookup', { token: 'A'.repeat(43) });
    expect([res.statusCode, code(res)]).toEqual([404, 'INVITATION_NOT_FOUND']);
    const missing = await post('lookup', {});
    expect([missing.statusCode, code(missing)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('accept', () => {
  it('grants, accepts and links the person in one go; a second accept is 409 with the current state', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const invitee = await createUser(t);
    const person = await createPerson(t, org.id, { email: invitee.email });
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member', personId: person.id });
    const session = await signIn(t, invitee.email);
    const res = await post('accept', { token }, session);
    expect(res.statusCode).toBe(200);
    expect(res.json<{ membership: object }>().membership).toMatchObject({ orgId: org.id, userId: invitee.id, resourceId: null, role: 'member' });
    expect((await invitationRow(t, invitation.id))?.status).toBe('accepted');
    const linked = await t.ctx.db.selectFrom('people').select('user_id').where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(linked.user_id).toBe(invitee.id);
    const types = await t.ctx.db.selectFrom('events').select('type').where('org_id', '=', org.id).orderBy('seq').execute();
    expect(types.map((e) => e.type)).toEqual(['invitation.created', 'membership.granted', 'person.linked', 'invitation.accepted']);
    const again = await post('accept', { token }, session);
    expect([again.statusCode, code(again)]).toEqual([409, 'INVITATION_ALREADY_ACCEPTED']);
    expect(again.json<{ error: { state: { status: string } } }>().error.state.status).toBe('accepted');
  });

  it('401 SIGN_IN_REQUIRED when signed out; 403 EMAIL_MISMATCH for another account, and the invitation stays valid', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const invitee = await createUser(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member' });
    const anon = await post('accept', { token });
    expect([anon.statusCode, code(anon)]).toEqual([401, 'SIGN_IN_REQUIRED']);
    const other = await createUser(t);
    const mismatch = await post('accept', { token }, await signIn(t, other.email));
    expect([mismatch.statusCode, code(mismatch)]).toEqual([403, 'EMAIL_MISMATCH']);
    expect((await invitationRow(t, invitation.id))?.status).toBe('pending');
    expect(await t.ctx.db.selectFrom('grants').select('id').where('user_id', '=', other.id).execute()).toEqual([]);
    expect((await post('accept', { token }, await signIn(t, invitee.email))).statusCode).toBe(200);
  });

  it('410 INVITATION_EXPIRED once past expiry, expired on the spot with its event', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const invitee = await createUser(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member' });
    t.clock.advance(30 * DAY);
    const res = await post('accept', { token }, await signIn(t, invitee.email));
    expect([res.statusCode, code(res)]).toEqual([410, 'INVITATION_EXPIRED']);
    expect((await invitationRow(t, invitation.id))?.status).toBe('expired');
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.expired']);
    // The unsent email carried a dead link: dropped with the expiry.
    expect(await queuedEmails(t, invitation.id)).toEqual([]);
  });
});

describe('register', () => {
  it('creates the account, verified by the token, with terms timestamp, grant, session; 201', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const email = uniqueEmail();
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email, role: 'member' });
    const res = await post('register', { token, firstName: 'Nina', lastName: 'New', password: 'long enough pw', acceptTerms: true });
    expect(res.statusCode).toBe(201);
    const body = res.json<{ user: Record<string, unknown>; membership: Record<string, unknown> }>();
    const now = t.clock.now().toISOString();
    expect(body.user).toMatchObject({ email, firstName: 'Nina', lastName: 'New', status: 'active', emailVerifiedAt: now, termsAcceptedAt: now });
    expect(body.membership).toMatchObject({ orgId: org.id, role: 'member' });
    const session = res.cookies.find((c) => c.name === 'gatehouse_session');
    expect(session?.httpOnly).toBe(true);
    expect((await invitationRow(t, invitation.id))?.status).toBe('accepted');
    // The new session works.
    const me = await post('lookup', { token }, `gatehouse_session=${session?.value ?? ''}`);
    expect(me.json<Lookup>().account).toMatchObject({ signedIn: true, emailMatches: true });
    // And the password signs in.
    expect(await signIn(t, email, 'long enough pw')).toContain('gatehouse_session=');
  });

  it('400 TERMS_NOT_ACCEPTED, 400 PASSWORD_TOO_SHORT, 409 ACCOUNT_EXISTS — and nothing changes', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const existing = await createUser(t);
    const a = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const terms = await post('register', { token: a.token, firstName: 'A', lastName: 'B', password: 'long enough pw', acceptTerms: false });
    expect([terms.statusCode, code(terms)]).toEqual([400, 'TERMS_NOT_ACCEPTED']);
    const short = await post('register', { token: a.token, firstName: 'A', lastName: 'B', password: 'short', acceptTerms: true });
    expect([short.statusCode, code(short)]).toEqual([400, 'PASSWORD_TOO_SHORT']);
    const b = await inviteOk(t, cookie, org.id, { email: existing.email, role: 'member' });
    const exists = await post('register', { token: b.token, firstName: 'A', lastName: 'B', password: 'long enough pw', acceptTerms: true });
    expect([exists.statusCode, code(exists)]).toEqual([409, 'ACCOUNT_EXISTS']);
    for (const id of [a.invitation.id, b.invitation.id]) expect((await invitationRow(t, id))?.status).toBe('pending');
    const extra = await post('register', { token: a.token, firstName: 'A', lastName: 'B', password: 'long enough pw', acceptTerms: true, email: 'x@y.z' });
    expect([extra.statusCode, code(extra)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('decline and renew', () => {
  it('decline: 200, the link is dead afterwards (410 INVITATION_DECLINED)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const res = await post('decline', { token });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ invitation: { status: string } }>().invitation.status).toBe('declined');
    expect((await invitationRow(t, invitation.id))?.status).toBe('declined');
    const again = await post('decline', { token });
    expect([again.statusCode, code(again)]).toEqual([410, 'INVITATION_DECLINED']);
    const register = await post('register', { token, firstName: 'A', lastName: 'B', password: 'long enough pw', acceptTerms: true });
    expect(code(register)).toBe('INVITATION_DECLINED');
  });

  it('renew: 409 INVITATION_NOT_EXPIRED while live; once expired the inviter is emailed (once a day at most)', async () => {
    const { org, cookie, user } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const live = await post('renew', { token });
    expect([live.statusCode, code(live)]).toEqual([409, 'INVITATION_NOT_EXPIRED']);
    t.clock.advance(31 * DAY);
    const res = await post('renew', { token });
    expect(res.statusCode).toBe(202);
    await post('renew', { token });
    const emails = await queuedEmails(t, invitation.id);
    const requests = emails.filter((e) => e.payload.template === 'renewal_request');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.payload).toMatchObject({
      to: user.email,
      data: {
        inviteeEmail: invitation.email,
        consoleLink: `http://gatehouse.test/orgs/${org.id}/invitations?q=${encodeURIComponent(invitation.email)}`,
      },
    });
    // Invited by address alone: the link is the console's invitations list searched for it, which finds it.
    const listed = await t.app.inject({
      url: `/api/v1/orgs/${org.id}/invitations?q=${encodeURIComponent(invitation.email)}`,
      headers: { cookie: await signIn(t, user.email) },
    });
    expect(listed.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toEqual([invitation.id]);
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.expired', 'invitation.renewal_requested']);
    expect((await invitationRow(t, invitation.id))?.status).toBe('expired');
  });

  it("renew: the inviter's link opens the person's page when the invitation names a person", async () => {
    const { org, cookie, user } = await ownerWithOrg(t);
    const person = await createPerson(t, org.id, { email: uniqueEmail() });
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: person.email, role: 'member', personId: person.id });
    t.clock.advance(31 * DAY);
    expect((await post('renew', { token })).statusCode).toBe(202);
    const request = (await queuedEmails(t, invitation.id)).find((e) => e.payload.template === 'renewal_request');
    expect(request?.payload).toMatchObject({ data: { consoleLink: `http://gatehouse.test/orgs/${org.id}/people/${person.id}` } });
    const page = await t.app.inject({ url: `/api/v1/orgs/${org.id}/people/${person.id}`, headers: { cookie: await signIn(t, user.email) } });
    expect(page.statusCode).toBe(200);
  });

  it('renew with auto_renew: a fresh link is sent at once (the resend path)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ auto_renew: true }).where('id', '=', org.id).execute();
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    t.clock.advance(31 * DAY);
    expect((await post('renew', { token })).statusCode).toBe(202);
    const row = await invitationRow(t, invitation.id);
    expect(row).toMatchObject({ status: 'pending', resend_count: 1 });
    const kinds = (await queuedEmails(t, invitation.id)).filter((e) => !e.parked).map((e) => e.payload.data.kind);
    expect(kinds).toEqual(['resend']);
    expect(code(await post('lookup', { token }))).toBe('INVITATION_NOT_FOUND');
  });
});

describe('per-IP limit on invitee endpoints', () => {
  it('answers 429 RATE_LIMITED with Retry-After past AUTH_RATE_LIMIT', async () => {
    // A second app on the same database, with the limit on (the shared one runs with it off).
    const limited = await buildApp(loadConfig({ PUBLIC_URL: 'http://gatehouse.test', LOG_LEVEL: 'silent', AUTH_RATE_LIMIT: '3' }), {
      db: t.ctx.db,
      backend: t.ctx.backend,
      clock: t.clock,
    });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        codes.push((await limited.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token: 'A'.repeat(43) } })).statusCode);
      }
      expect(codes).toEqual([404, 404, 404, 429]);
      const res = await limited.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token: 'A'.repeat(43) } });
      expect(res.statusCode).toBe(404);
      for (let i = 0; i < 3; i++) await limited.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token: 'A'.repeat(43) } });
      const over = await limited.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token: 'A'.repeat(43) } });
      expect([over.statusCode, code(over)]).toEqual([429, 'RATE_LIMITED']);
      expect(over.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});

describe('tokens never leave', () => {
  it('no API answer or log line carries a token', async () => {
    const { app: logged, lines } = await loggingApp(t, 'info');
    try {
      const { org, cookie } = await ownerWithOrg(t);
      const invitee = await createUser(t);
      const { invitation, token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member' });
      const answers = [
        await logged.inject({ method: 'GET', url: `/invite/${token}` }),
        await logged.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } }),
        await logged.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/invitations/${invitation.id}`, headers: { cookie } }),
        await logged.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/invitations`, headers: { cookie } }),
        await logged.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/events`, headers: { cookie } }),
        await logged.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token }, headers: { cookie: await signIn(t, invitee.email, TEST_PASSWORD) } }),
      ];
      for (const res of answers) expect(res.body).not.toContain(token);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(token);
      const row = await invitationRow(t, invitation.id);
      expect(JSON.stringify(row)).not.toContain(token);
      const events = await t.ctx.db.selectFrom('events').select('data').where('invitation_id', '=', invitation.id).execute();
      expect(JSON.stringify(events)).not.toContain(token);
    } finally {
      await logged.close();
    }
  });

  it('a resource invitation accepted while already holding another grant adds the resource grant', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const clinic = await createResource(t, org.id);
    const other = await createResource(t, org.id, 'Other');
    const invitee = await createUser(t);
    await grant(t, invitee.id, org.id, 'member', other.id);
    const { token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'admin', resourceId: clinic.id });
    const res = await post('accept', { token }, await signIn(t, invitee.email));
    expect(res.json<{ membership: { resourceId: string; role: string } }>().membership).toMatchObject({ resourceId: clinic.id, role: 'admin' });
  });
});

describe('the console link in a renewal request', () => {
  it('points at the invitations list searched for the address when the person left the directory', () => {
    const link = consoleLink({ publicUrl: 'http://gatehouse.test' }, { orgId: 'o1', personId: null, email: 'a+b@example.test' });
    expect(link).toBe('http://gatehouse.test/orgs/o1/invitations?q=a%2Bb%40example.test');
  });
});
