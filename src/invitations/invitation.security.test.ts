/**
 * Who may change what an invitation grants or to whom, ids in a body, the quota under
 * concurrency, and expiry as a time: the inviter's side held against misuse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createResource, createUser, grant, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import {
  apiKey,
  auth,
  createPerson,
  eventTypes,
  invitationRow,
  invite,
  inviteOk,
  type InvitationAnswer,
  markSent,
  queuedEmails,
} from '../test/invitations.js';
import { quotaUsed } from './invitation.repository.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const code = errorCode;
const base = (orgId: string) => `/api/v1/orgs/${orgId}/invitations`;
const patch = (who: string, orgId: string, id: string, payload: object) =>
  t.inject({ method: 'PATCH', url: `${base(orgId)}/${id}`, headers: auth(who), payload });
const resend = (who: string, orgId: string, id: string) => t.inject({ method: 'POST', url: `${base(orgId)}/${id}/resend`, headers: auth(who) });

/** A signed-in user with this role in the org (at a resource when given). */
async function memberOf(orgId: string, role: string, resourceId: string | null = null) {
  const user = await createUser(t);
  await grant(t, user.id, orgId, role, resourceId);
  return { user, cookie: await signIn(t, user.email) };
}

/** An expiry a day from now (the shortest allowed): moving the clock two days passes it, sessions stay. */
const inADay = () => new Date(t.clock.now().getTime() + DAY).toISOString();

/** Sets the clock to a quarter past the next hour, so a test has a fresh quota window. */
function freshHour(): void {
  t.clock.set(new Date(Math.floor(t.clock.now().getTime() / HOUR) * HOUR + HOUR + 15 * MINUTE));
}

describe('changing what an invitation grants, or to whom', () => {
  it('an email correction passes the same grantability check as a create', async () => {
    const { org, cookie: owner } = await ownerWithOrg(t);
    const location = await createResource(t, org.id);
    await t.ctx.db.insertInto('roles').values({ org_id: org.id, key: 'inviter', name: 'Inviter', permissions: JSON.stringify(['invitations:manage']), updated_at: t.clock.now() }).execute();
    const admin = await memberOf(org.id, 'admin');
    const inviter = await memberOf(org.id, 'inviter');
    const locationAdmin = await memberOf(org.id, 'admin', location.id);
    const key = await apiKey(t, org.id, ['invitations:read', 'invitations:manage']);
    const ownerInvite = await inviteOk(t, owner, org.id, { email: uniqueEmail('owner-to-be'), role: 'owner' });
    const adminInvite = await inviteOk(t, owner, org.id, { email: uniqueEmail('admin-to-be'), role: 'admin' });
    const locationOwnerInvite = await inviteOk(t, owner, org.id, { email: uniqueEmail('loc-owner'), role: 'owner', resourceId: location.id });
    t.clock.advance(MINUTE);
    const attempts: [string, string, InvitationAnswer][] = [
      ['admin takes the owner invitation', admin.cookie, ownerInvite.invitation],
      ['invitations:manage alone takes an admin invitation', inviter.cookie, adminInvite.invitation],
      ['a location admin takes the location owner invitation', locationAdmin.cookie, locationOwnerInvite.invitation],
      ['an API key without admin permissions takes an admin invitation', key, adminInvite.invitation],
    ];
    for (const [what, who, invitation] of attempts) {
      const res = await patch(who, org.id, invitation.id, { email: uniqueEmail('attacker-alt') });
      expect([res.statusCode, code(res)], what).toEqual([403, 'ROLE_NOT_GRANTABLE']);
      const row = await invitationRow(t, invitation.id);
      expect(row?.email, what).toBe(invitation.email);
      expect((await queuedEmails(t, invitation.id)).filter((e) => !e.parked).map((e) => e.payload.to), what).toEqual([invitation.email]);
    }
    // The owner still may.
    expect((await patch(owner, org.id, ownerInvite.invitation.id, { email: uniqueEmail('owner-fixed') })).statusCode).toBe(200);
  });

  it('an edit needs the right to grant the current role at the current scope, and the new role at the new scope', async () => {
    const { org, cookie: owner } = await ownerWithOrg(t);
    const location = await createResource(t, org.id);
    const admin = await memberOf(org.id, 'admin');
    const locationAdmin = await memberOf(org.id, 'admin', location.id);
    const ownerInvite = await inviteOk(t, owner, org.id, { email: uniqueEmail(), role: 'owner' });
    for (const payload of [{ role: 'admin' }, { message: 'hi' }, { expiresAt: new Date(t.clock.now().getTime() + 2 * DAY).toISOString() }]) {
      const res = await patch(admin.cookie, org.id, ownerInvite.invitation.id, payload);
      expect([res.statusCode, code(res)], JSON.stringify(payload)).toEqual([403, 'ROLE_NOT_GRANTABLE']);
    }
    expect(await invitationRow(t, ownerInvite.invitation.id)).toMatchObject({ role: 'owner', message: null });
    // A location's admin may not move their invitation to the whole org, nor make it an owner's.
    const own = await inviteOk(t, locationAdmin.cookie, org.id, { email: uniqueEmail(), role: 'member', resourceId: location.id });
    const widen = await patch(locationAdmin.cookie, org.id, own.invitation.id, { resourceId: null });
    expect([widen.statusCode, code(widen)]).toEqual([403, 'FORBIDDEN']);
    const raise = await patch(locationAdmin.cookie, org.id, own.invitation.id, { role: 'owner' });
    expect([raise.statusCode, code(raise)]).toEqual([403, 'ROLE_NOT_GRANTABLE']);
    expect(await invitationRow(t, own.invitation.id)).toMatchObject({ role: 'member', resource_id: location.id });
  });

  it('a resend needs the right to grant the invitation’s role', async () => {
    const { org, cookie: owner } = await ownerWithOrg(t);
    const admin = await memberOf(org.id, 'admin');
    const ownerInvite = await inviteOk(t, owner, org.id, { email: uniqueEmail(), role: 'owner', expiresAt: inADay() });
    t.clock.advance(2 * DAY);
    const res = await resend(admin.cookie, org.id, ownerInvite.invitation.id);
    expect([res.statusCode, code(res)]).toEqual([403, 'ROLE_NOT_GRANTABLE']);
    expect((await invitationRow(t, ownerInvite.invitation.id))?.resend_count).toBe(0);
    expect((await resend(owner, org.id, ownerInvite.invitation.id)).statusCode).toBe(200);
  });

  it('an automatic renewal is sent only while the inviter could still grant the role', async () => {
    const { org, cookie: owner } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ auto_renew: true }).where('id', '=', org.id).execute();
    const admin = await memberOf(org.id, 'admin');
    const { invitation, token } = await inviteOk(t, admin.cookie, org.id, { email: uniqueEmail(), role: 'admin' });
    expect(owner).toBeDefined();
    await t.ctx.db.updateTable('grants').set({ role: 'viewer' }).where('user_id', '=', admin.user.id).execute();
    t.clock.advance(31 * DAY);
    const res = await t.inject({ method: 'POST', url: '/api/v1/invitations/renew', payload: { token } });
    expect(res.statusCode).toBe(202);
    expect(await invitationRow(t, invitation.id)).toMatchObject({ status: 'expired', resend_count: 0 });
    const requested = await t.ctx.db
      .selectFrom('events')
      .select('data')
      .where('invitation_id', '=', invitation.id)
      .where('type', '=', 'invitation.renewal_requested')
      .executeTakeFirstOrThrow();
    expect(requested.data).toMatchObject({ autoRenewRefused: 'inviter_cannot_grant' });
  });
});

describe('ids in a body', () => {
  it('a resource admin may name only their resource’s people; an org-level person is refused', async () => {
    const { org } = await ownerWithOrg(t);
    const location = await createResource(t, org.id);
    const locationAdmin = await memberOf(org.id, 'admin', location.id);
    const orgPerson = await createPerson(t, org.id, { email: uniqueEmail('hq') });
    const ownPerson = await createPerson(t, org.id, { email: uniqueEmail('local'), resource_id: location.id });
    const refused = await invite(t, locationAdmin.cookie, org.id, {
      email: uniqueEmail('my-alt'),
      role: 'member',
      resourceId: location.id,
      personId: orgPerson.id,
    });
    expect([refused.statusCode, code(refused)]).toEqual([403, 'FORBIDDEN']);
    expect(await t.ctx.db.selectFrom('invitations').select('id').where('person_id', '=', orgPerson.id).execute()).toEqual([]);
    const ok = await inviteOk(t, locationAdmin.cookie, org.id, { email: ownPerson.email, role: 'member', resourceId: location.id, personId: ownPerson.id });
    expect(ok.invitation.personId).toBe(ownPerson.id);
    // Matching by email attaches only a person the inviter could have named.
    const byEmail = await inviteOk(t, locationAdmin.cookie, org.id, { email: orgPerson.email, role: 'member', resourceId: location.id });
    expect(byEmail.invitation.personId).toBeNull();
  });

  it('accept never relinks a directory entry already linked to another user; the grant still happens', async () => {
    const { org, cookie: owner } = await ownerWithOrg(t);
    const holder = await createUser(t);
    await grant(t, holder.id, org.id, 'member');
    const person = await createPerson(t, org.id, { email: holder.email });
    await t.ctx.db.updateTable('people').set({ user_id: holder.id }).where('id', '=', person.id).execute();
    const { invitation, token } = await inviteOk(t, owner, org.id, { email: uniqueEmail('someone-else'), role: 'member', personId: person.id });
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/invitations/register',
      payload: { token, firstName: 'Other', lastName: 'User', password: 'long enough pw', acceptTerms: true },
    });
    expect(res.statusCode).toBe(201);
    const newcomer = res.json<{ user: { id: string } }>().user.id;
    expect(await t.ctx.db.selectFrom('grants').select('role').where('user_id', '=', newcomer).execute()).toEqual([{ role: 'member' }]);
    const linked = await t.ctx.db.selectFrom('people').select('user_id').where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(linked.user_id).toBe(holder.id);
    expect(await eventTypes(t, invitation.id)).not.toContain('person.linked');
    const accepted = await t.ctx.db
      .selectFrom('events')
      .select('data')
      .where('invitation_id', '=', invitation.id)
      .where('type', '=', 'invitation.accepted')
      .executeTakeFirstOrThrow();
    expect(accepted.data).toMatchObject({ personNotLinked: { personId: person.id, reason: 'linked_to_another_user' } });
  });
});

describe('the hourly quota', () => {
  it('parallel bulk creates never write past the quota (check and use are one step)', async () => {
    freshHour();
    const { org, cookie } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ invitations_per_hour: 100 }).where('id', '=', org.id).execute();
    const bulk = () =>
      t.inject({
        method: 'POST',
        url: `${base(org.id)}/bulk`,
        headers: auth(cookie),
        payload: { invitations: Array.from({ length: 15 }, () => ({ email: uniqueEmail('q'), role: 'member' })) },
      });
    const answers = await Promise.all(Array.from({ length: 20 }, bulk));
    const results = answers.flatMap((res) => res.json<{ results: { ok: boolean; created?: boolean; error?: { code: string } }[] }>().results);
    expect(results.filter((r) => r.ok && r.created === true)).toHaveLength(100);
    expect(new Set(results.filter((r) => !r.ok).map((r) => r.error?.code))).toEqual(new Set(['INVITATION_QUOTA_EXCEEDED']));
    expect(await t.ctx.db.selectFrom('invitations').select('id').where('org_id', '=', org.id).execute()).toHaveLength(100);
    expect(await quotaUsed(t.ctx.db, org.id, new Date(Math.floor(t.clock.now().getTime() / HOUR) * HOUR))).toBe(100);
  });

  it('an email correction counts in the quota and waits out the resend cooldown', async () => {
    freshHour();
    const { org, cookie } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ invitations_per_hour: 2 }).where('id', '=', org.id).execute();
    const victim = uniqueEmail('victim');
    const { invitation } = await inviteOk(t, cookie, org.id, { email: victim, role: 'member' });
    // A typo fixed right after sending goes out at once; bouncing back to the first address waits.
    t.clock.advance(1000);
    expect((await patch(cookie, org.id, invitation.id, { email: uniqueEmail('other') })).statusCode).toBe(200);
    const tooSoon = await patch(cookie, org.id, invitation.id, { email: victim });
    expect([tooSoon.statusCode, code(tooSoon)]).toEqual([429, 'RESEND_TOO_SOON']);
    expect(tooSoon.headers['retry-after']).toBe('60');
    t.clock.advance(MINUTE);
    const before = await invitationRow(t, invitation.id);
    const over = await patch(cookie, org.id, invitation.id, { email: uniqueEmail('victim') });
    expect([over.statusCode, code(over)]).toEqual([429, 'INVITATION_QUOTA_EXCEEDED']);
    expect(over.headers['retry-after']).toBeDefined();
    expect((await invitationRow(t, invitation.id))?.email).toBe(before?.email);
    expect((await queuedEmails(t, invitation.id)).filter((e) => !e.parked)).toHaveLength(1);
  });
});

describe('expiry is a time, not a stored status', () => {
  it('PATCH of an invitation past its expiry is 409 INVITATION_NOT_PENDING, and expires it; its link stays dead', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', expiresAt: inADay() });
    t.clock.advance(2 * DAY);
    const res = await patch(cookie, org.id, invitation.id, { expiresAt: new Date(t.clock.now().getTime() + 10 * DAY).toISOString() });
    expect([res.statusCode, code(res)]).toEqual([409, 'INVITATION_NOT_PENDING']);
    expect(await invitationRow(t, invitation.id)).toMatchObject({ status: 'expired' });
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.expired']);
    const lookup = await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } });
    expect(lookup.json<{ invitation: { status: string } }>().invitation.status).toBe('expired');
  });

  it('re-inviting an address whose invitation just expired creates a new one (single and bulk)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const email = uniqueEmail('again');
    const bulkEmail = uniqueEmail('again-bulk');
    const first = await inviteOk(t, cookie, org.id, { email, role: 'member', expiresAt: inADay() });
    const firstBulk = await inviteOk(t, cookie, org.id, { email: bulkEmail, role: 'member', expiresAt: inADay() });
    t.clock.advance(2 * DAY);
    const again = await invite(t, cookie, org.id, { email, role: 'member' });
    expect(again.statusCode).toBe(201);
    expect(again.json<InvitationAnswer>().id).not.toBe(first.invitation.id);
    expect((await invitationRow(t, first.invitation.id))?.status).toBe('expired');
    const bulk = await t.inject({ method: 'POST', url: `${base(org.id)}/bulk`, headers: auth(cookie), payload: { invitations: [{ email: bulkEmail, role: 'member' }] } });
    const [result] = bulk.json<{ results: { ok: boolean; created?: boolean; invitation?: InvitationAnswer }[] }>().results;
    expect(result).toMatchObject({ ok: true, created: true });
    expect(result?.invitation?.id).not.toBe(firstBulk.invitation.id);
  });

  it('lists, the access list and the people directory treat a past-expiry invitation as expired before the sweep', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const person = await createPerson(t, org.id, { email: uniqueEmail('dir') });
    const { invitation } = await inviteOk(t, cookie, org.id, { email: person.email, role: 'member', personId: person.id, expiresAt: inADay() });
    t.clock.advance(2 * DAY);
    const list = async (query: string) =>
      (await t.inject({ url: `${base(org.id)}?${query}`, headers: auth(cookie) })).json<{ items: InvitationAnswer[] }>().items.map((i) => [i.id, i.status]);
    expect(await list('status=pending&status=sent')).toEqual([]);
    expect(await list('status=expired')).toEqual([[invitation.id, 'expired']]);
    expect(await list(`email=${encodeURIComponent(person.email)}`)).toEqual([[invitation.id, 'expired']]);
    const one = await t.inject({ url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie) });
    expect(one.json<InvitationAnswer>()).toMatchObject({ status: 'expired', expiredAt: invitation.expiresAt });
    const access = await t.inject({ url: `/api/v1/orgs/${org.id}/access`, headers: auth(cookie) });
    expect(access.json<{ pending: unknown[] }>().pending).toEqual([]);
    const people = await t.inject({ url: `/api/v1/orgs/${org.id}/people/${person.id}`, headers: auth(cookie) });
    expect(people.json<{ accessStatus: string }>().accessStatus).toBe('expired');
    const filtered = await t.inject({ url: `/api/v1/orgs/${org.id}/people?accessStatus=expired`, headers: auth(cookie) });
    expect(filtered.json<{ items: { id: string }[] }>().items.map((p) => p.id)).toEqual([person.id]);
  });

  it('a resend of a past-expiry invitation records its expiry first, then revives it', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', expiresAt: inADay() });
    t.clock.advance(2 * DAY);
    expect((await resend(cookie, org.id, invitation.id)).statusCode).toBe(200);
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.expired', 'invitation.resent']);
  });
});

describe('lastSentAt', () => {
  it('sentAt keeps the first send; lastSentAt is when the link that works now went out', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    expect(invitation).toMatchObject({ sentAt: null, lastSentAt: null });
    await markSent(t, invitation.id);
    const firstSend = t.clock.now().toISOString();
    t.clock.advance(HOUR);
    const resent = (await resend(cookie, org.id, invitation.id)).json<InvitationAnswer>();
    expect(resent).toMatchObject({ sentAt: firstSend, lastSentAt: null });
    t.clock.advance(MINUTE);
    await markSent(t, invitation.id);
    const one = await t.inject({ url: `${base(org.id)}/${invitation.id}`, headers: auth(cookie) });
    expect(one.json<InvitationAnswer>()).toMatchObject({ sentAt: firstSend, lastSentAt: t.clock.now().toISOString() });
  });
});
