import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { dispatchOnce } from '../mail/dispatcher.js';
import { mailboxTransport } from '../mail/mailbox.transport.js';
import type { MailTransport } from '../mail/transport.js';
import { sweepExpiredBatch } from './invitation.workers.js';
import { createOrg, createResource, createUser, grant, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import {
  apiKey,
  auth,
  createPerson,
  eventTypes,
  invitationRow,
  invite,
  inviteOk,
  type InvitationAnswer,
  markFailed,
  markSent,
  queuedEmails,
  tokenFor,
} from '../test/invitations.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const code = errorCode;
const base = (orgId: string) => `/api/v1/orgs/${orgId}/invitations`;

describe('create', () => {
  it('creates an org-wide invitation: 201, pending, queued email with the link, token digest only at rest', async () => {
    const { org, cookie, user } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ sender_name: 'Acme HR', reply_to: 'hr@acme.test' }).where('id', '=', org.id).execute();
    const res = await invite(t, cookie, org.id, { email: '  New.Hire@Example.TEST ', role: 'member', message: 'Welcome <b>aboard</b>' });
    expect(res.statusCode).toBe(201);
    const inv = res.json<InvitationAnswer>();
    expect(inv).toMatchObject({
      email: 'new.hire@example.test',
      role: 'member',
      status: 'pending',
      resourceId: null,
      resendCount: 0,
      inviter: { type: 'user', id: user.id, name: 'Test User' },
      message: 'Welcome <b>aboard</b>',
      metadata: {},
    });
    expect(new Date(inv.expiresAt).getTime() - t.clock.now().getTime()).toBe(30 * DAY);
    expect(res.body).not.toMatch(/token|tracking/i);

    const [email] = await queuedEmails(t, inv.id);
    expect(email?.payload).toMatchObject({
      to: 'new.hire@example.test',
      template: 'invitation',
      senderName: 'Acme HR',
      replyTo: 'hr@acme.test',
      data: { kind: 'invitation', orgName: 'Acme Clinics', roleName: 'Member', inviterName: 'Test User', resourceName: null },
    });
    const token = await tokenFor(t, inv.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(email?.payload.data.link).toBe(`http://gatehouse.test/invite/${token}`);
    const row = await invitationRow(t, inv.id);
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.token_hash).not.toContain(token);
    expect(email?.payload.data.trackingPixelUrl).toBe(`http://gatehouse.test/t/${row?.tracking_id ?? ''}.gif`);
    expect(await eventTypes(t, inv.id)).toEqual(['invitation.created']);
  });

  it('leaves the tracking pixel out when the org turned open tracking off', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ open_tracking: false }).where('id', '=', org.id).execute();
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const [email] = await queuedEmails(t, invitation.id);
    expect(email?.payload.data.trackingPixelUrl).toBeNull();
  });

  it('invites to one resource, and answers a duplicate with the live invitation (200, no second row or email)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const clinic = await createResource(t, org.id, 'Northside');
    const email = uniqueEmail();
    const first = await invite(t, cookie, org.id, { email, role: 'admin', resourceId: clinic.id });
    expect(first.statusCode).toBe(201);
    const again = await invite(t, cookie, org.id, { email: email.toUpperCase(), role: 'member', resourceId: clinic.id });
    expect(again.statusCode).toBe(200);
    expect(again.json<InvitationAnswer>().id).toBe(first.json<InvitationAnswer>().id);
    expect(again.json<InvitationAnswer>().role).toBe('admin');
    expect(await queuedEmails(t, first.json<InvitationAnswer>().id)).toHaveLength(1);
    // Another scope (org-wide, or another resource) is independent.
    const orgWide = await invite(t, cookie, org.id, { email, role: 'member' });
    expect(orgWide.statusCode).toBe(201);
    const other = await createResource(t, org.id, 'Southside');
    expect((await invite(t, cookie, org.id, { email, role: 'member', resourceId: other.id })).statusCode).toBe(201);
  });

  it('is 409 ALREADY_MEMBER when the email already has that access (org-wide covers each resource)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const clinic = await createResource(t, org.id);
    const member = await createUser(t);
    await grant(t, member.id, org.id, 'member');
    const orgWide = await invite(t, cookie, org.id, { email: member.email, role: 'admin' });
    expect([orgWide.statusCode, code(orgWide)]).toEqual([409, 'ALREADY_MEMBER']);
    const resource = await invite(t, cookie, org.id, { email: member.email, role: 'member', resourceId: clinic.id });
    expect(code(resource)).toBe('ALREADY_MEMBER');
    // A resource grant does not cover the org as a whole.
    const local = await createUser(t);
    await grant(t, local.id, org.id, 'member', clinic.id);
    expect((await invite(t, cookie, org.id, { email: local.email, role: 'member' })).statusCode).toBe(201);
  });

  it('refuses roles the inviter cannot grant (403 ROLE_NOT_GRANTABLE) and unknown roles (404 ROLE_NOT_FOUND)', async () => {
    const { org } = await ownerWithOrg(t);
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin');
    const cookie = await signIn(t, admin.email);
    const owner = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'owner' });
    expect([owner.statusCode, code(owner)]).toEqual([403, 'ROLE_NOT_GRANTABLE']);
    const unknown = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'wizard' });
    expect([unknown.statusCode, code(unknown)]).toEqual([404, 'ROLE_NOT_FOUND']);
    expect(await t.ctx.db.selectFrom('invitations').select('id').where('org_id', '=', org.id).execute()).toEqual([]);
  });

  it('lets a resource admin invite to their resource only', async () => {
    const { org } = await ownerWithOrg(t);
    const mine = await createResource(t, org.id, 'Mine');
    const theirs = await createResource(t, org.id, 'Theirs');
    const local = await createUser(t);
    await grant(t, local.id, org.id, 'admin', mine.id);
    const cookie = await signIn(t, local.email);
    expect((await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', resourceId: mine.id })).statusCode).toBe(201);
    const elsewhere = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', resourceId: theirs.id });
    expect([elsewhere.statusCode, code(elsewhere)]).toEqual([403, 'FORBIDDEN']);
    const orgWide = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    expect(code(orgWide)).toBe('FORBIDDEN');
  });

  it('validates expiry (1–90 days), message, metadata, email and fields with coded 400s, writing nothing', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const now = t.clock.now().getTime();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ expiresAt: new Date(now + HOUR).toISOString() }, 'EXPIRY_OUT_OF_RANGE', 'expiresAt'],
      [{ expiresAt: new Date(now + 91 * DAY).toISOString() }, 'EXPIRY_OUT_OF_RANGE', 'expiresAt'],
      [{ message: 'x'.repeat(2001) }, 'VALIDATION_FAILED', 'message'],
      [{ metadata: { blob: 'x'.repeat(5000) } }, 'METADATA_TOO_LARGE', 'metadata'],
      [{ email: 'not-an-email' }, 'INVALID_EMAIL', 'email'],
      [{ nickname: 'x' }, 'VALIDATION_FAILED', 'nickname'],
      [{ resourceId: 'nope' }, 'VALIDATION_FAILED', 'resourceId'],
    ];
    for (const [patch, wanted, path] of cases) {
      const res = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', ...patch });
      expect([res.statusCode, code(res)], JSON.stringify(patch).slice(0, 60)).toEqual([400, wanted]);
      expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe(path);
    }
    const custom = await invite(t, cookie, org.id, {
      email: uniqueEmail(),
      role: 'member',
      expiresAt: new Date(now + 7 * DAY).toISOString(),
      metadata: { crmId: 42, tags: ['a'] },
    });
    expect(custom.statusCode).toBe(201);
    expect(custom.json<InvitationAnswer>()).toMatchObject({ metadata: { crmId: 42, tags: ['a'] }, expiresAt: new Date(now + 7 * DAY).toISOString() });
    expect(await t.ctx.db.selectFrom('invitations').select('id').where('org_id', '=', org.id).execute()).toHaveLength(1);
  });

  it('an email sent as a JSON array is 400 VALIDATION_FAILED at email, never coerced into an invitation', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const cases: [Record<string, unknown>, string][] = [
      [{ email: [uniqueEmail()], role: 'member' }, 'email'],
      [{ email: uniqueEmail(), role: ['member'] }, 'role'],
      [{ email: uniqueEmail(), role: 'member', createUser: 'true' }, 'createUser'],
      [{ email: 42, role: 'member' }, 'email'],
    ];
    for (const [body, path] of cases) {
      const res = await invite(t, cookie, org.id, body);
      expect([res.statusCode, code(res)], JSON.stringify(body)).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.json<{ error: { details: { path: string }[] } }>().error.details.map((detail) => detail.path)).toContain(path);
    }
    expect(await t.ctx.db.selectFrom('invitations').select('id').where('org_id', '=', org.id).execute()).toEqual([]);
  });

  it('404s an unknown resource or person of the org', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const other = await createOrg(t, 'Other');
    const foreign = await createResource(t, other.id);
    const res = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', resourceId: foreign.id });
    expect([res.statusCode, code(res)]).toEqual([404, 'RESOURCE_NOT_FOUND']);
    const person = await createPerson(t, other.id, { email: uniqueEmail() });
    const p = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', personId: person.id });
    expect([p.statusCode, code(p)]).toEqual([404, 'PERSON_NOT_FOUND']);
  });

  it('prefills names from the person, and attaches the person with the same email', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const person = await createPerson(t, org.id, { email: uniqueEmail(), first_name: 'Ada', last_name: 'Vet' });
    const named = await inviteOk(t, cookie, org.id, { email: person.email, role: 'member', personId: person.id });
    expect(named.invitation).toMatchObject({ personId: person.id, firstName: 'Ada', lastName: 'Vet' });
    const byEmail = await createPerson(t, org.id, { email: uniqueEmail(), first_name: 'Bo' });
    const matched = await inviteOk(t, cookie, org.id, { email: byEmail.email, role: 'member', firstName: 'Robert' });
    expect(matched.invitation).toMatchObject({ personId: byEmail.id, firstName: 'Robert', lastName: 'Person' });
  });

  it('user-first: createUser makes an `invited` user stored on the invitation, reused when invited again', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const email = uniqueEmail();
    const { invitation } = await inviteOk(t, cookie, org.id, { email, role: 'member', createUser: true, firstName: 'Una', lastName: 'First' });
    const user = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ status: 'invited', first_name: 'Una', password_hash: null, email_verified_at: null });
    expect(invitation.userId).toBe(user.id);
    const clinic = await createResource(t, org.id);
    const again = await inviteOk(t, cookie, org.id, { email, role: 'member', resourceId: clinic.id, createUser: true });
    expect(again.invitation.userId).toBe(user.id);
    expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
  });

  it('fans `invitation.created` out to the org’s webhook endpoints in the same transaction', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const endpoint = await t.ctx.db
      .insertInto('webhook_endpoints')
      .values({ org_id: org.id, url: 'https://hooks.example.test/in', events: JSON.stringify(['invitation.created']), secret: 'whsec_test' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const deliveries = await t.ctx.db.selectFrom('outbox').select(['payload', 'invitation_id']).where('webhook_endpoint_id', '=', endpoint.id).execute();
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ invitation_id: invitation.id, payload: { type: 'invitation.created', data: { invitationId: invitation.id, role: 'member' } } });
  });

  it('records an API key as the inviter', async () => {
    const { org } = await ownerWithOrg(t);
    const key = await apiKey(t, org.id, ['invitations:manage', 'invitations:read', 'org:read', 'members:read', 'people:read']);
    const res = await invite(t, key, org.id, { email: uniqueEmail(), role: 'member' });
    expect(res.statusCode).toBe(201);
    expect(res.json<InvitationAnswer>().inviter).toMatchObject({ type: 'api_key', name: 'CRM integration' });
  });
});

describe('authorization', () => {
  it('401 without credentials, 404 for another org, and another org’s invitation ids are 404', async () => {
    const a = await ownerWithOrg(t, 'A');
    const b = await ownerWithOrg(t, 'B');
    const { invitation } = await inviteOk(t, a.cookie, a.org.id, { email: uniqueEmail(), role: 'member' });
    const anon = await t.inject({ method: 'GET', url: base(a.org.id) });
    expect([anon.statusCode, code(anon)]).toEqual([401, 'UNAUTHENTICATED']);
    const outsider = await t.inject({ method: 'GET', url: base(a.org.id), headers: auth(b.cookie) });
    expect([outsider.statusCode, code(outsider)]).toEqual([404, 'ORG_NOT_FOUND']);
    for (const [method, suffix] of [
      ['GET', ''],
      ['PATCH', ''],
      ['POST', '/resend'],
      ['POST', '/revoke'],
      ['DELETE', ''],
    ] as const) {
      const res = await t.inject({
        method,
        url: `${base(b.org.id)}/${invitation.id}${suffix}`,
        headers: auth(b.cookie),
        ...(method === 'PATCH' ? { payload: { message: 'x' } } : {}),
      });
      expect([res.statusCode, code(res)], `${method} ${suffix}`).toEqual([404, 'INVITATION_NOT_FOUND']);
    }
    expect((await invitationRow(t, invitation.id))?.status).toBe('pending');
  });

  it('a viewer may not invite (403), a member may read but not manage', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const viewer = await createUser(t);
    await grant(t, viewer.id, org.id, 'viewer');
    const vc = await signIn(t, viewer.email);
    expect(code(await invite(t, vc, org.id, { email: uniqueEmail(), role: 'viewer' }))).toBe('FORBIDDEN');
    expect(code(await t.inject({ method: 'GET', url: base(org.id), headers: auth(vc) }))).toBe('FORBIDDEN');
    const member = await createUser(t);
    await grant(t, member.id, org.id, 'member');
    const mc = await signIn(t, member.email);
    expect((await t.inject({ method: 'GET', url: `${base(org.id)}/${invitation.id}`, headers: auth(mc) })).statusCode).toBe(200);
    const revoke = await t.inject({ method: 'POST', url: `${base(org.id)}/${invitation.id}/revoke`, headers: auth(mc) });
    expect([revoke.statusCode, code(revoke)]).toEqual([403, 'FORBIDDEN']);
  });
});

describe('list', () => {
  it('filters by status, email, person, resource and free text, and pages with an opaque cursor', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'Listing');
    const clinic = await createResource(t, org.id, 'Clinic');
    const person = await createPerson(t, org.id, { email: 'kim.list@example.test', first_name: 'Kim' });
    const made: InvitationAnswer[] = [];
    for (let i = 0; i < 7; i++) {
      t.clock.advance(1000);
      const body: Record<string, unknown> = { email: `list.${String(i)}@example.test`, role: 'member' };
      if (i === 3) body.resourceId = clinic.id;
      made.push((await inviteOk(t, cookie, org.id, body)).invitation);
    }
    t.clock.advance(1000);
    made.push((await inviteOk(t, cookie, org.id, { email: person.email, role: 'member', personId: person.id })).invitation);
    await markSent(t, made[0]?.id ?? '');

    const get = (query: string) => t.inject({ method: 'GET', url: `${base(org.id)}?${query}`, headers: auth(cookie) });
    const page1 = await get('limit=3');
    const body1 = page1.json<{ items: InvitationAnswer[]; nextCursor: string | null }>();
    expect(body1.items.map((i) => i.email)).toEqual(['kim.list@example.test', 'list.6@example.test', 'list.5@example.test']);
    const page2 = (await get(`limit=3&cursor=${body1.nextCursor ?? ''}`)).json<{ items: InvitationAnswer[]; nextCursor: string | null }>();
    expect(page2.items.map((i) => i.email)).toEqual(['list.4@example.test', 'list.3@example.test', 'list.2@example.test']);
    const page3 = (await get(`limit=3&cursor=${page2.nextCursor ?? ''}`)).json<{ items: InvitationAnswer[]; nextCursor: string | null }>();
    expect(page3.items.map((i) => i.email)).toEqual(['list.1@example.test', 'list.0@example.test']);
    expect(page3.nextCursor).toBeNull();

    const items = async (query: string) => (await get(query)).json<{ items: InvitationAnswer[] }>().items.map((i) => i.email);
    expect(await items('status=sent')).toEqual(['list.0@example.test']);
    expect(await items('status=sent&status=pending')).toHaveLength(8);
    expect(await items('email=LIST.2@example.test')).toEqual(['list.2@example.test']);
    expect(await items(`personId=${person.id}`)).toEqual(['kim.list@example.test']);
    expect(await items(`resourceId=${clinic.id}`)).toEqual(['list.3@example.test']);
    expect(await items('q=kim')).toEqual(['kim.list@example.test']);
    expect(await items('q=%25')).toEqual([]);
    const bad = await get('cursor=garbage');
    expect([bad.statusCode, code(bad)]).toEqual([400, 'INVALID_CURSOR']);
    const badStatus = await get('status=bogus');
    expect([badStatus.statusCode, code(badStatus)]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('lets a resource admin list their resource with ?resourceId, not the whole org', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const clinic = await createResource(t, org.id);
    await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', resourceId: clinic.id });
    await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const local = await createUser(t);
    await grant(t, local.id, org.id, 'admin', clinic.id);
    const lc = await signIn(t, local.email);
    const mine = await t.inject({ method: 'GET', url: `${base(org.id)}?resourceId=${clinic.id}`, headers: auth(lc) });
    expect(mine.statusCode).toBe(200);
    expect(mine.json<{ items: unknown[] }>().items).toHaveLength(1);
    expect(code(await t.inject({ method: 'GET', url: base(org.id), headers: auth(lc) }))).toBe('FORBIDDEN');
  });
});

describe('get, edit, correct', () => {
  it('answers one invitation with its event timeline', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    await markSent(t, invitation.id);
    const res = await t.inject({ method: 'GET', url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie) });
    expect(res.statusCode).toBe(200);
    const body = res.json<InvitationAnswer & { events: { type: string; actor: { type: string } }[] }>();
    expect(body.status).toBe('sent');
    expect(body.events.map((e) => [e.type, e.actor.type])).toEqual([
      ['invitation.created', 'user'],
      ['invitation.sent', 'system'],
    ]);
  });

  it('edits role, resource, message and expiry in place: same token, no new email', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const clinic = await createResource(t, org.id);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const expiresAt = new Date(t.clock.now().getTime() + 10 * DAY).toISOString();
    const res = await t.inject({
      method: 'PATCH',
      url: `${base(org.id)}/${invitation.id}`,
      headers: auth(cookie),
      payload: { role: 'admin', resourceId: clinic.id, message: 'See you Monday', expiresAt },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<InvitationAnswer>()).toMatchObject({ role: 'admin', resourceId: clinic.id, message: 'See you Monday', expiresAt });
    expect(await tokenFor(t, invitation.id)).toBe(token);
    expect(await queuedEmails(t, invitation.id)).toHaveLength(1);
    const lookup = await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } });
    expect(lookup.statusCode).toBe(200);
    const events = await t.ctx.db.selectFrom('events').select(['type', 'data']).where('invitation_id', '=', invitation.id).execute();
    expect(events.find((e) => e.type === 'invitation.updated')?.data).toMatchObject({
      tokenRotated: false,
      changes: { role: { from: 'member', to: 'admin' }, resourceId: { from: null, to: clinic.id } },
    });
  });

  it('corrects the email: new token to the new address, the old link dies, the old unsent email is dropped', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: 'tpyo@example.test', role: 'member' });
    t.clock.advance(MINUTE); // a correction sends a new link: at most one a minute, like a resend
    const res = await t.inject({
      method: 'PATCH',
      url: `${base(org.id)}/${invitation.id}`,
      headers: auth(cookie),
      payload: { email: 'typo@example.test' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<InvitationAnswer>()).toMatchObject({ email: 'typo@example.test', status: 'pending' });
    const emails = await queuedEmails(t, invitation.id);
    expect(emails.map((e) => e.payload.to)).toEqual(['typo@example.test']);
    const fresh = await tokenFor(t, invitation.id);
    expect(fresh).not.toBe(token);
    const old = await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } });
    expect([old.statusCode, code(old)]).toEqual([404, 'INVITATION_NOT_FOUND']);
    expect((await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token: fresh } })).statusCode).toBe(200);
  });

  it('corrects a failed (bounced) invitation, reviving it', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: 'bounce@example.test', role: 'member' });
    await markFailed(t, invitation.id);
    t.clock.advance(MINUTE);
    const res = await t.inject({ method: 'PATCH', url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie), payload: { email: 'fixed@example.test' } });
    expect(res.json<InvitationAnswer>()).toMatchObject({ status: 'pending', email: 'fixed@example.test', failedAt: null });
  });

  it('is 409 INVITATION_NOT_PENDING once final, 409 INVITATION_DUPLICATE when the correction collides', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const other = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const clash = await t.inject({ method: 'PATCH', url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie), payload: { email: other.invitation.email } });
    expect([clash.statusCode, code(clash)]).toEqual([409, 'INVITATION_DUPLICATE']);
    await t.inject({ method: 'POST', url: `${base(org.id)}/${invitation.id}/revoke`, headers: auth(cookie) });
    const res = await t.inject({ method: 'PATCH', url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie), payload: { role: 'admin' } });
    expect([res.statusCode, code(res)]).toEqual([409, 'INVITATION_NOT_PENDING']);
    const empty = await t.inject({ method: 'PATCH', url: `${base(org.id)}/${other.invitation.id}`, headers: auth(cookie), payload: {} });
    expect([empty.statusCode, code(empty)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('resend, revoke, delete', () => {
  it('resend rotates the token, restarts expiry, counts, and is limited to one a minute', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    await markSent(t, invitation.id);
    const url = `${base(org.id)}/${invitation.id}/resend`;
    const tooSoon = await t.inject({ method: 'POST', url, headers: auth(cookie) });
    expect([tooSoon.statusCode, code(tooSoon)]).toEqual([429, 'RESEND_TOO_SOON']);
    expect(Number(tooSoon.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.advance(2 * DAY);
    const res = await t.inject({ method: 'POST', url, headers: auth(cookie) });
    expect(res.statusCode).toBe(200);
    const body = res.json<InvitationAnswer>();
    expect(body).toMatchObject({ status: 'pending', resendCount: 1 });
    expect(new Date(body.expiresAt).getTime()).toBe(t.clock.now().getTime() + 30 * DAY);
    const fresh = await tokenFor(t, invitation.id);
    expect(fresh).not.toBe(token);
    const emails = await queuedEmails(t, invitation.id);
    expect(emails.map((e) => e.payload.data.kind)).toEqual(['invitation', 'resend']);
    expect(code(await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } }))).toBe('INVITATION_NOT_FOUND');
    const again = await t.inject({ method: 'POST', url, headers: auth(cookie) });
    expect(code(again)).toBe('RESEND_TOO_SOON');
    t.clock.advance(MINUTE);
    expect((await t.inject({ method: 'POST', url, headers: auth(cookie) })).json<InvitationAnswer>().resendCount).toBe(2);
  });

  it('a resend racing the dispatcher: the email it already claimed is not sent with the dead link', async () => {
    // Its own app, so the dispatcher claims only these two emails.
    const own = await testApp();
    try {
      const { org, cookie } = await ownerWithOrg(own);
      const first = await inviteOk(own, cookie, org.id, { email: uniqueEmail('first'), role: 'member' });
      own.clock.advance(1000);
      const raced = await inviteOk(own, cookie, org.id, { email: uniqueEmail('raced'), role: 'member' });
      own.clock.advance(2 * MINUTE);
      const mailbox = mailboxTransport(own.ctx.db, own.clock);
      let resent: InvitationAnswer | undefined;
      // Both emails are claimed in one round; while the first is being sent, the second is resent.
      const racing: MailTransport = {
        name: 'racing',
        async send(email) {
          if (email.to === first.invitation.email) {
            const res = await own.inject({ method: 'POST', url: `${base(org.id)}/${raced.invitation.id}/resend`, headers: auth(cookie) });
            resent = res.json<InvitationAnswer>();
          }
          return mailbox.send(email);
        },
        close: () => mailbox.close(),
      };
      const round = await dispatchOnce(own.ctx, racing, { concurrency: 1 });
      expect(round).toMatchObject({ claimed: 2, sent: 1 });
      expect(resent).toMatchObject({ status: 'pending', resendCount: 1 });
      const fresh = await tokenFor(own, raced.invitation.id);
      await dispatchOnce(own.ctx, mailbox);
      const delivered = await own.ctx.db.selectFrom('mailbox').select(['to', 'text']).where('to', '=', raced.invitation.email).execute();
      expect(delivered).toHaveLength(1);
      expect(delivered[0]?.text).toContain(fresh);
      expect(delivered[0]?.text).not.toContain(raced.token);
      expect((await invitationRow(own, raced.invitation.id))?.status).toBe('sent');
    } finally {
      await own.close();
    }
  });

  it('resend revives expired and failed invitations', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const expired = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', expiresAt: new Date(t.clock.now().getTime() + DAY).toISOString() });
    const failed = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    await markFailed(t, failed.invitation.id);
    t.clock.advance(2 * DAY);
    const look = await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token: expired.token } });
    expect(look.json<{ invitation: { status: string } }>().invitation.status).toBe('expired');
    for (const id of [expired.invitation.id, failed.invitation.id]) {
      const res = await t.inject({ method: 'POST', url: `${base(org.id)}/${id}/resend`, headers: auth(cookie) });
      expect(res.json<InvitationAnswer>()).toMatchObject({ status: 'pending', expiredAt: null, failedAt: null, resendCount: 1 });
    }
  });

  it('revoke kills the link and drops unsent email; revoking twice is 409', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const res = await t.inject({ method: 'POST', url: `${base(org.id)}/${invitation.id}/revoke`, headers: auth(cookie) });
    expect(res.json<InvitationAnswer>()).toMatchObject({ status: 'revoked' });
    expect(await queuedEmails(t, invitation.id)).toEqual([]);
    const accept = await t.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token } });
    expect([accept.statusCode, code(accept)]).toEqual([410, 'INVITATION_REVOKED']);
    const again = await t.inject({ method: 'POST', url: `${base(org.id)}/${invitation.id}/revoke`, headers: auth(cookie) });
    expect([again.statusCode, code(again)]).toEqual([409, 'INVITATION_NOT_PENDING']);
  });

  it('delete answers 204, the row goes, its events stay (plus invitation.deleted)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const res = await t.inject({ method: 'DELETE', url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie) });
    expect(res.statusCode).toBe(204);
    expect(await invitationRow(t, invitation.id)).toBeUndefined();
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.deleted']);
    expect(code(await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } }))).toBe('INVITATION_NOT_FOUND');
    const gone = await t.inject({ method: 'GET', url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie) });
    expect(code(gone)).toBe('INVITATION_NOT_FOUND');
  });
});

describe('bulk', () => {
  it('answers each item on its own and writes the valid ones', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const member = await createUser(t);
    await grant(t, member.id, org.id, 'member');
    const dup = uniqueEmail();
    const res = await t.inject({
      method: 'POST',
      url: `${base(org.id)}/bulk`,
      headers: auth(cookie),
      payload: {
        invitations: [
          { email: uniqueEmail(), role: 'member' },
          { email: 'broken', role: 'member' },
          { email: member.email, role: 'member' },
          { email: dup, role: 'member' },
          { email: dup, role: 'admin' },
          { email: uniqueEmail(), role: 'member', surprise: true },
          'not even an object',
          { email: uniqueEmail(), role: 'wizard' },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    const results = res.json<{ results: { index: number; ok: boolean; created?: boolean; invitation?: InvitationAnswer; error?: { code: string } }[] }>().results;
    expect(results.map((r) => [r.index, r.ok, r.created ?? null, r.error?.code ?? null])).toEqual([
      [0, true, true, null],
      [1, false, null, 'INVALID_EMAIL'],
      [2, false, null, 'ALREADY_MEMBER'],
      [3, true, true, null],
      [4, true, false, null],
      [5, false, null, 'VALIDATION_FAILED'],
      [6, false, null, 'VALIDATION_FAILED'],
      [7, false, null, 'ROLE_NOT_FOUND'],
    ]);
    expect(results[4]?.invitation?.id).toBe(results[3]?.invitation?.id);
    expect(await t.ctx.db.selectFrom('invitations').select('id').where('org_id', '=', org.id).execute()).toHaveLength(2);
    expect(await t.ctx.db.selectFrom('outbox').select('id').where('org_id', '=', org.id).where('kind', '=', 'email').execute()).toHaveLength(2);
  });

  it('refuses more than 1,000 items with 400 BULK_TOO_LARGE', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const invitations = Array.from({ length: 1001 }, (_, i) => ({ email: `b${String(i)}@example.test`, role: 'member' }));
    const res = await t.inject({ method: 'POST', url: `${base(org.id)}/bulk`, headers: auth(cookie), payload: { invitations } });
    expect([res.statusCode, code(res)]).toEqual([400, 'BULK_TOO_LARGE']);
  });

  it('writes 1,000 in one request: each with its event, its email and its parked reminder, counted in the quota', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ reminder_days_before_expiry: 3 }).where('id', '=', org.id).execute();
    const invitations = Array.from({ length: 1000 }, (_, i) => ({ email: `many${String(i)}@example.test`, role: 'member' }));
    const res = await t.inject({ method: 'POST', url: `${base(org.id)}/bulk`, headers: auth(cookie), payload: { invitations } });
    expect(res.statusCode).toBe(200);
    const results = res.json<{ results: { ok: boolean; created?: boolean; invitation?: InvitationAnswer }[] }>().results;
    expect(results.every((r) => r.ok && r.created === true)).toBe(true);
    const count = async (query: { execute(): Promise<unknown[]> }) => (await query.execute()).length;
    expect(await count(t.ctx.db.selectFrom('invitations').select('id').where('org_id', '=', org.id))).toBe(1000);
    expect(await count(t.ctx.db.selectFrom('events').select('id').where('org_id', '=', org.id).where('type', '=', 'invitation.created'))).toBe(1000);
    const emails = await t.ctx.db.selectFrom('outbox').select(['invitation_id', 'next_attempt_at']).where('org_id', '=', org.id).where('kind', '=', 'email').execute();
    expect(emails).toHaveLength(2000);
    expect(emails.filter((e) => e.next_attempt_at.getTime() === t.clock.now().getTime())).toHaveLength(1000);
    expect(new Set(emails.map((e) => e.invitation_id)).size).toBe(1000);
    const quota = await t.ctx.db.selectFrom('invitation_quota_counters').select('count').where('org_id', '=', org.id).execute();
    expect(quota.reduce((sum, row) => sum + row.count, 0)).toBe(1000);
    // The 500th: its row, event and email belong together, and the emailed link opens it.
    const answer = results[499]?.invitation;
    expect(answer?.email).toBe('many499@example.test');
    const id = answer?.id ?? '';
    expect(await eventTypes(t, id)).toEqual(['invitation.created']);
    const [email] = await queuedEmails(t, id);
    expect(email?.payload.to).toBe('many499@example.test');
    const lookup = await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token: await tokenFor(t, id) } });
    expect(lookup.json<{ invitation: { email: string } }>().invitation.email).toBe('many499@example.test');
  });

  it('answers items whose scope already has a live invitation with it, and writes nothing for them (many items)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const endpoint = await t.ctx.db
      .insertInto('webhook_endpoints')
      .values({ org_id: org.id, url: 'https://hooks.example.test/in', events: JSON.stringify(['*']), secret: 'whsec_test' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const clinic = await createResource(t, org.id, 'Eastside');
    const emails = Array.from({ length: 12 }, () => uniqueEmail());
    const live = await Promise.all(emails.slice(0, 3).map((email) => inviteOk(t, cookie, org.id, { email, role: 'member' })));
    const invitations = emails.map((email, i) => ({
      email,
      role: 'member',
      ...(i % 2 === 1 ? { metadata: { row: i } } : {}),
      ...(i === 11 ? { resourceId: clinic.id, firstName: 'Eleven', message: 'Welcome' } : {}),
    }));
    const res = await t.inject({ method: 'POST', url: `${base(org.id)}/bulk`, headers: auth(cookie), payload: { invitations } });
    const results = res.json<{ results: { ok: boolean; created?: boolean; invitation?: InvitationAnswer }[] }>().results;
    expect(results.map((r) => r.created)).toEqual([false, false, false, ...Array.from({ length: 9 }, () => true)]);
    expect(results.slice(0, 3).map((r) => r.invitation?.id)).toEqual(live.map((l) => l.invitation.id));
    expect(results[3]?.invitation?.metadata).toEqual({ row: 3 });
    expect(results[11]?.invitation).toMatchObject({ resourceId: clinic.id, firstName: 'Eleven', message: 'Welcome', metadata: { row: 11 } });
    for (const { invitation } of live) {
      expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created']);
      expect(await queuedEmails(t, invitation.id)).toHaveLength(1);
    }
    const created = results.slice(3).map((r) => r.invitation?.id ?? '');
    for (const id of created) expect(await eventTypes(t, id)).toEqual(['invitation.created']);
    const [eleventh] = await queuedEmails(t, created[8] ?? '');
    expect(eleventh?.payload.data).toMatchObject({ resourceName: 'Eastside', firstName: 'Eleven', message: 'Welcome' });
    const deliveries = await t.ctx.db.selectFrom('outbox').select('invitation_id').where('webhook_endpoint_id', '=', endpoint.id).execute();
    expect(deliveries).toHaveLength(12);
    const quota = await t.ctx.db.selectFrom('invitation_quota_counters').select('count').where('org_id', '=', org.id).execute();
    expect(quota.reduce((sum, row) => sum + row.count, 0)).toBe(12);
  });
});

describe('quota', () => {
  it('429 INVITATION_QUOTA_EXCEEDED with Retry-After past the org’s hourly quota; duplicates still answer', async () => {
    t.clock.set(new Date(Math.floor(t.clock.now().getTime() / HOUR) * HOUR + HOUR + 15 * MINUTE));
    const { org, cookie } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ invitations_per_hour: 2 }).where('id', '=', org.id).execute();
    const first = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const third = await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    expect([third.statusCode, code(third)]).toEqual([429, 'INVITATION_QUOTA_EXCEEDED']);
    expect(third.headers['retry-after']).toBe(String(45 * 60));
    const dup = await invite(t, cookie, org.id, { email: first.invitation.email, role: 'member' });
    expect(dup.statusCode).toBe(200);
    const bulk = await t.inject({
      method: 'POST',
      url: `${base(org.id)}/bulk`,
      headers: auth(cookie),
      payload: { invitations: [{ email: uniqueEmail(), role: 'member' }] },
    });
    expect(bulk.json<{ results: { error?: { code: string } }[] }>().results[0]?.error?.code).toBe('INVITATION_QUOTA_EXCEEDED');
    t.clock.advance(HOUR);
    expect((await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member' })).statusCode).toBe(201);
  });
});

describe('org event log', () => {
  it('lists events newest first, filtered by invitation and type, paginated', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    await markSent(t, invitation.id);
    await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const url = `/api/v1/orgs/${org.id}/events`;
    const all = (await t.inject({ method: 'GET', url, headers: auth(cookie) })).json<{ items: { type: string }[] }>();
    expect(all.items.map((e) => e.type)).toEqual(['invitation.created', 'invitation.sent', 'invitation.created']);
    // Whom each concerns: here the invitation's address (no account yet).
    expect((all.items as { subject?: unknown }[])[1]?.subject).toEqual({ name: null, email: invitation.email });
    const one = await t.inject({ method: 'GET', url: `${url}?invitationId=${invitation.id}&type=invitation.sent`, headers: auth(cookie) });
    expect(one.json<{ items: { type: string }[] }>().items.map((e) => e.type)).toEqual(['invitation.sent']);
    const p1 = (await t.inject({ method: 'GET', url: `${url}?limit=2`, headers: auth(cookie) })).json<{ items: unknown[]; nextCursor: string }>();
    const p2 = (await t.inject({ method: 'GET', url: `${url}?limit=2&cursor=${p1.nextCursor}`, headers: auth(cookie) })).json<{ items: unknown[]; nextCursor: null }>();
    expect([p1.items.length, p2.items.length, p2.nextCursor]).toEqual([2, 1, null]);
    const outsider = await ownerWithOrg(t);
    expect(code(await t.inject({ method: 'GET', url, headers: auth(outsider.cookie) }))).toBe('ORG_NOT_FOUND');
  });

  it('filters by whom an event concerns, who acted and a time window; a bad filter is a coded 400', async () => {
    const { org, cookie, user } = await ownerWithOrg(t);
    const colleague = await createUser(t, { first_name: 'Cora', last_name: 'Colleague' });
    await grant(t, colleague.id, org.id, 'admin');
    const colleagueCookie = await signIn(t, colleague.email);
    const ana = uniqueEmail('ana');
    const start = t.clock.now();
    await inviteOk(t, cookie, org.id, { email: ana, role: 'member' });
    t.clock.advance(HOUR);
    const middle = t.clock.now();
    await inviteOk(t, colleagueCookie, org.id, { email: uniqueEmail('bo'), role: 'member' });
    const url = `/api/v1/orgs/${org.id}/events`;
    const list = async (query: string) => {
      const res = await t.inject({ method: 'GET', url: `${url}?${query}`, headers: auth(cookie) });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: { type: string; actor: { id: string }; subject: { email: string } }[] }>().items;
    };
    // Whom: any case of the address.
    const aboutAna = await list(`subjectEmail=${encodeURIComponent(ana.toUpperCase())}`);
    expect(aboutAna.length).toBeGreaterThan(0);
    expect(aboutAna.every((e) => e.subject.email === ana)).toBe(true);
    // Who acted.
    const byColleague = await list(`actorId=${colleague.id}`);
    expect(byColleague.length).toBeGreaterThan(0);
    expect(byColleague.every((e) => e.actor.id === colleague.id)).toBe(true);
    expect((await list(`actorId=${user.id}`)).every((e) => e.actor.id === user.id)).toBe(true);
    // A window: from inclusive, to exclusive.
    expect(await list(`from=${start.toISOString()}&to=${middle.toISOString()}`)).toHaveLength(1);
    expect((await list(`from=${middle.toISOString()}`)).every((e) => e.actor.id === colleague.id)).toBe(true);
    // Combined, and paginated the same way.
    const p1 = await t.inject({ method: 'GET', url: `${url}?from=${start.toISOString()}&type=invitation.created&limit=1`, headers: auth(cookie) });
    const cursor = p1.json<{ nextCursor: string }>().nextCursor;
    const p2 = await t.inject({ method: 'GET', url: `${url}?from=${start.toISOString()}&type=invitation.created&limit=1&cursor=${cursor}`, headers: auth(cookie) });
    expect(p2.json<{ items: { actor: { id: string } }[]; nextCursor: null }>()).toMatchObject({ items: [{ actor: { id: user.id } }], nextCursor: null });

    const bad = async (query: string) => t.inject({ method: 'GET', url: `${url}?${query}`, headers: auth(cookie) });
    const reversed = await bad(`from=${middle.toISOString()}&to=${start.toISOString()}`);
    expect([reversed.statusCode, code(reversed)]).toEqual([400, 'INVALID_DATE_RANGE']);
    expect(code(await bad('from=yesterday'))).toBe('VALIDATION_FAILED');
    expect(code(await bad('actorId=not-a-uuid'))).toBe('VALIDATION_FAILED');
    expect(code(await bad('subjectEmail='))).toBe('VALIDATION_FAILED');
  });

  it('names the account an access event concerns, while the account exists', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const member = await createUser(t, { first_name: 'Hal', last_name: 'Helper' });
    // Grants go to users with standing in the org: here, linked to a person of its directory.
    await t.ctx.db.updateTable('people').set({ user_id: member.id }).where('id', '=', (await createPerson(t, org.id, { email: member.email })).id).execute();
    const put = await t.inject({ method: 'PUT', url: `/api/v1/orgs/${org.id}/members/${member.id}/grants`, headers: auth(cookie), payload: { resourceId: null, role: 'viewer' } });
    expect(put.statusCode).toBe(200);
    const url = `/api/v1/orgs/${org.id}/events?type=membership.granted`;
    const subjects = async () => (await t.inject({ method: 'GET', url, headers: auth(cookie) })).json<{ items: { subject: unknown }[] }>().items.map((e) => e.subject);
    expect(await subjects()).toEqual([{ name: 'Hal Helper', email: member.email }]);
    await t.ctx.db.deleteFrom('users').where('id', '=', member.id).execute();
    expect(await subjects()).toEqual([{ name: null, email: null }]);
  });
});

describe('derived person access status', () => {
  it('the people list filters by the states of each person’s latest invitation', async () => {
    const { org, cookie, user } = await ownerWithOrg(t, 'Directory');
    const people = {
      notInvited: await createPerson(t, org.id, { email: uniqueEmail('none') }),
      invited: await createPerson(t, org.id, { email: uniqueEmail('invited') }),
      clicked: await createPerson(t, org.id, { email: uniqueEmail('clicked') }),
      declined: await createPerson(t, org.id, { email: uniqueEmail('declined') }),
      revoked: await createPerson(t, org.id, { email: uniqueEmail('revoked') }),
      failed: await createPerson(t, org.id, { email: uniqueEmail('failed') }),
      registered: await createPerson(t, org.id, { email: uniqueEmail('registered') }),
    };
    const tokens: Record<string, string> = {};
    const ids: Record<string, string> = {};
    for (const [name, person] of Object.entries(people)) {
      if (name === 'notInvited') continue;
      // Invited by email only: the person is found by their address.
      const { invitation, token } = await inviteOk(t, cookie, org.id, { email: person.email, role: 'member' });
      tokens[name] = token;
      ids[name] = invitation.id;
    }
    await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token: tokens.clicked } });
    await t.inject({ method: 'POST', url: '/api/v1/invitations/decline', payload: { token: tokens.declined } });
    await t.inject({ method: 'POST', url: `${base(org.id)}/${ids.revoked ?? ''}/revoke`, headers: auth(cookie) });
    await markFailed(t, ids.failed ?? '');
    const reg = await t.inject({
      method: 'POST',
      url: '/api/v1/invitations/register',
      payload: { token: tokens.registered, firstName: 'R', lastName: 'Egistered', password: 'long enough pw', acceptTerms: true },
    });
    expect(reg.statusCode).toBe(201);
    const byStatus = async (status: string) =>
      (await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/people?accessStatus=${status}`, headers: auth(cookie) }))
        .json<{ items: { id: string; accessStatus: string; latestInvitationId: string | null }[] }>()
        .items.map((p) => p.id);
    expect(await byStatus('not_invited')).toEqual([people.notInvited.id]);
    expect(await byStatus('invited')).toEqual([people.invited.id]);
    expect(await byStatus('clicked')).toEqual([people.clicked.id]);
    expect(await byStatus('declined')).toEqual([people.declined.id]);
    expect(await byStatus('revoked')).toEqual([people.revoked.id]);
    expect(await byStatus('failed')).toEqual([people.failed.id]);
    expect(await byStatus('registered')).toEqual([people.registered.id]);
    t.clock.advance(31 * DAY);
    // Earlier tests left many overdue invitations: sweep until none is left.
    while ((await sweepExpiredBatch(t.ctx)) > 0);
    const fresh = await signIn(t, user.email);
    const expired = await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/people?accessStatus=expired`, headers: auth(fresh) });
    expect(expired.json<{ items: { id: string }[] }>().items.map((p) => p.id).sort()).toEqual([people.invited.id, people.clicked.id].sort());
  });
});

describe('metadata the database cannot store', () => {
  /** JSON text of an object nested `levels` deep (itself counting as one), written out: too deep for JSON.stringify. */
  const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{"leaf":true}${'}'.repeat(levels - 1)}`;
  const post = (cookie: string, url: string, json: string) =>
    t.inject({ method: 'POST', url, headers: { ...auth(cookie), 'content-type': 'application/json' }, payload: json });
  const item = (metadata: string, extra = '') => `{"email":"${uniqueEmail()}","role":"member"${extra},"metadata":${metadata}}`;
  const countFor = async (orgId: string) =>
    Number((await t.ctx.db.selectFrom('invitations').select((eb) => eb.fn.countAll().as('n')).where('org_id', '=', orgId).executeTakeFirstOrThrow()).n);

  it('a NUL byte, a lone surrogate or nesting past 10 levels in metadata is 400 VALIDATION_FAILED at metadata, writing nothing', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const cases: [string, string][] = [
      ['{"note":"a\\u0000b"}', 'metadata.note'],
      ['{"bad\\u0000key":1}', 'metadata'],
      ['{"list":["ok",{"deeper":"\\u0000"}]}', 'metadata.list.1.deeper'],
      ['{"note":"x\\ud800"}', 'metadata.note'],
      [nested(11), 'metadata'],
      [nested(5000), 'metadata'],
    ];
    for (const [metadata, path] of cases) {
      const res = await post(cookie, base(org.id), item(metadata));
      expect([res.statusCode, code(res)], path).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe(path);
    }
    expect(await countFor(org.id)).toBe(0);
    const ok = await post(cookie, base(org.id), item(nested(10)));
    expect(ok.statusCode).toBe(201);
    expect(ok.json<InvitationAnswer>().metadata).toEqual(JSON.parse(nested(10)));
  });

  it('in a bulk create, an item with such metadata (or a NUL byte in a name) fails alone; the others are created', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const invitations = [
      item('{"row":0}'),
      item('{"note":"a\\u0000b"}'),
      item(nested(5000)),
      item(nested(11)),
      item('{}', ',"firstName":"Nu\\u0000l"'),
      item('{"row":5}'),
    ];
    const res = await post(cookie, `${base(org.id)}/bulk`, `{"invitations":[${invitations.join(',')}]}`);
    expect(res.statusCode).toBe(200);
    const results = res.json<{ results: { ok: boolean; error?: { code: string; details: { path: string }[] } }[] }>().results;
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, false, true]);
    expect(results.slice(1, 5).map((r) => [r.error?.code, r.error?.details[0]?.path])).toEqual([
      ['VALIDATION_FAILED', 'metadata.note'],
      ['VALIDATION_FAILED', 'metadata'],
      ['VALIDATION_FAILED', 'metadata'],
      ['VALIDATION_FAILED', 'firstName'],
    ]);
    expect(await countFor(org.id)).toBe(2);
  });
});
