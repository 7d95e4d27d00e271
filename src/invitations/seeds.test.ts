/**
 * The product's two ways of inviting, one named test per case: an owner inviting others to
 * their resource, and an admin inviting the people of the org's directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createResource, createUser, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import { createPerson, eventTypes, invitationRow, inviteOk, markSent, type InvitationAnswer } from '../test/invitations.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const code = errorCode;
const PASSWORD = 'a fine long password';
const post = (path: string, payload: object, cookie?: string) =>
  t.inject({ method: 'POST', url: `/api/v1/invitations/${path}`, payload, ...(cookie === undefined ? {} : { headers: { cookie } }) });
const register = (token: string, names = { firstName: 'Iris', lastName: 'Invitee' }) =>
  post('register', { token, ...names, password: PASSWORD, acceptTerms: true });

async function grantsOf(userId: string) {
  return t.ctx.db.selectFrom('grants').select(['org_id', 'resource_id', 'role']).where('user_id', '=', userId).orderBy('created_at').execute();
}

describe('an owner invites people to their resource', () => {
  it('invitee without an account: registers from the link in one step', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'Maple Street Property');
    const email = uniqueEmail('tenant');
    const { token } = await inviteOk(t, cookie, org.id, { email, role: 'member' });
    const look = await post('lookup', { token });
    expect(look.json<{ account: { exists: boolean } }>().account.exists).toBe(false);
    const res = await register(token);
    expect(res.statusCode).toBe(201);
    const user = res.json<{ user: { id: string; email: string } }>().user;
    expect(user.email).toBe(email);
    expect(await grantsOf(user.id)).toEqual([{ org_id: org.id, resource_id: null, role: 'member' }]);
  });

  it('invitee with an account: signs in and accepts; registering instead is 409 ACCOUNT_EXISTS', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'Oak Lane Property');
    const existing = await createUser(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: existing.email, role: 'member' });
    expect((await post('lookup', { token })).json<{ account: { exists: boolean } }>().account.exists).toBe(true);
    expect(code(await register(token))).toBe('ACCOUNT_EXISTS');
    const res = await post('accept', { token }, await signIn(t, existing.email));
    expect(res.statusCode).toBe(200);
    expect((await invitationRow(t, invitation.id))?.status).toBe('accepted');
  });

  it('two orgs invite one email: accepted in the order A then B', async () => {
    const a = await ownerWithOrg(t, 'Owner A');
    const b = await ownerWithOrg(t, 'Owner B');
    const email = uniqueEmail('shared');
    const fromA = await inviteOk(t, a.cookie, a.org.id, { email, role: 'member' });
    const fromB = await inviteOk(t, b.cookie, b.org.id, { email, role: 'admin' });
    const first = await register(fromA.token);
    expect(first.statusCode).toBe(201);
    const session = `gatehouse_session=${first.cookies.find((c) => c.name === 'gatehouse_session')?.value ?? ''}`;
    // After the first, the second is an "existing account" accept.
    expect((await post('lookup', { token: fromB.token }, session)).json<{ account: object }>().account).toMatchObject({ exists: true, emailMatches: true });
    expect((await post('accept', { token: fromB.token }, session)).statusCode).toBe(200);
    const user = first.json<{ user: { id: string } }>().user;
    expect((await grantsOf(user.id)).map((g) => [g.org_id, g.role])).toEqual([
      [a.org.id, 'member'],
      [b.org.id, 'admin'],
    ]);
  });

  it('two orgs invite one email: accepted in the order B then A', async () => {
    const a = await ownerWithOrg(t, 'Owner A');
    const b = await ownerWithOrg(t, 'Owner B');
    const email = uniqueEmail('shared');
    const fromA = await inviteOk(t, a.cookie, a.org.id, { email, role: 'member' });
    const fromB = await inviteOk(t, b.cookie, b.org.id, { email, role: 'admin' });
    const first = await register(fromB.token);
    expect(first.statusCode).toBe(201);
    expect(code(await register(fromA.token))).toBe('ACCOUNT_EXISTS');
    const session = await signIn(t, email, PASSWORD);
    expect((await post('accept', { token: fromA.token }, session)).statusCode).toBe(200);
    const user = first.json<{ user: { id: string } }>().user;
    expect((await grantsOf(user.id)).map((g) => [g.org_id, g.role])).toEqual([
      [b.org.id, 'admin'],
      [a.org.id, 'member'],
    ]);
    expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
  });

  it('account created after the invitation was sent: the link becomes an existing-account accept', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'Birch Court');
    const email = uniqueEmail('later');
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email, role: 'member' });
    await markSent(t, invitation.id);
    t.clock.advance(2 * DAY);
    // The invitee signs up some other way in the meantime.
    await createUser(t, { email });
    const look = (await post('lookup', { token })).json<{ account: { exists: boolean } }>();
    expect(look.account.exists).toBe(true);
    expect(code(await register(token))).toBe('ACCOUNT_EXISTS');
    const res = await post('accept', { token }, await signIn(t, email));
    expect(res.statusCode).toBe(200);
  });

  it('account deleted before the link is used: the invitee registers a new account', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'Cedar Row');
    const gone = await createUser(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: gone.email, role: 'member' });
    await markSent(t, invitation.id);
    // The account is deleted (its grants and sessions go with it; the invitation stays valid).
    await t.ctx.db.deleteFrom('users').where('id', '=', gone.id).execute();
    expect((await post('lookup', { token })).json<{ account: { exists: boolean } }>().account.exists).toBe(false);
    const res = await register(token);
    expect(res.statusCode).toBe(201);
    const fresh = res.json<{ user: { id: string } }>().user;
    expect(fresh.id).not.toBe(gone.id);
    expect(await grantsOf(fresh.id)).toHaveLength(1);
  });
});

describe('an admin invites the people of the directory', () => {
  it('user-first invitation is activated on register, not duplicated', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'IndeVets');
    const email = uniqueEmail('dr');
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email, role: 'member', createUser: true, firstName: 'Doc', lastName: 'Tor' });
    const invited = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(invited.status).toBe('invited');
    const look = (await post('lookup', { token })).json<{ account: { exists: boolean }; invitation: { firstName: string } }>();
    expect(look.account.exists).toBe(false);
    expect(look.invitation.firstName).toBe('Doc');
    const res = await register(token, { firstName: 'Doctor', lastName: 'Torres' });
    expect(res.statusCode).toBe(201);
    const user = res.json<{ user: { id: string; firstName: string; status: string } }>().user;
    expect(user).toMatchObject({ id: invited.id, firstName: 'Doctor', status: 'active' });
    expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
    expect((await invitationRow(t, invitation.id))?.user_id).toBe(invited.id);
    const registered = await t.ctx.db.selectFrom('events').select('data').where('type', '=', 'user.registered').where('user_id', '=', invited.id).executeTakeFirstOrThrow();
    expect(registered.data).toMatchObject({ activated: true });
  });

  it('user-first invitation whose user was deleted meanwhile: register creates a fresh account', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'IndeVets');
    const email = uniqueEmail('dr');
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email, role: 'member', createUser: true });
    const invited = await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    await t.ctx.db.deleteFrom('users').where('id', '=', invited.id).execute();
    expect((await invitationRow(t, invitation.id))?.user_id).toBeNull();
    const res = await register(token);
    expect(res.statusCode).toBe(201);
    const user = res.json<{ user: { id: string; email: string } }>().user;
    expect(user.id).not.toBe(invited.id);
    expect((await invitationRow(t, invitation.id))?.user_id).toBe(user.id);
  });

  it('re-invite from the person side: the employee record gets a new invitation after the first expired', async () => {
    const { org, user: admin, cookie: firstCookie } = await ownerWithOrg(t, 'IndeVets');
    const location = await createResource(t, org.id, 'Columbus');
    const person = await createPerson(t, org.id, { email: uniqueEmail('employee'), first_name: 'Em', last_name: 'Ployee', resource_id: location.id });
    const first = await inviteOk(t, firstCookie, org.id, { email: person.email, role: 'member', resourceId: location.id, personId: person.id });
    t.clock.advance(31 * DAY);
    const cookie = await signIn(t, admin.email);
    const refused = await post('lookup', { token: first.token });
    expect(refused.json<{ invitation: { status: string } }>().invitation.status).toBe('expired');
    const again = await inviteOk(t, cookie, org.id, { email: person.email, role: 'member', resourceId: location.id, personId: person.id });
    expect(again.invitation.id).not.toBe(first.invitation.id);
    expect(again.invitation).toMatchObject({ personId: person.id, firstName: 'Em', status: 'pending' });
    const forPerson = await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/invitations?personId=${person.id}`, headers: { cookie } });
    expect(forPerson.json<{ items: InvitationAnswer[] }>().items.map((i) => i.status)).toEqual(['pending', 'expired']);
    const res = await register(again.token);
    expect(res.statusCode).toBe(201);
    const linked = await t.ctx.db.selectFrom('people').select('user_id').where('id', '=', person.id).executeTakeFirstOrThrow();
    expect(linked.user_id).toBe(res.json<{ user: { id: string } }>().user.id);
  });

  it('re-invite from the user side: the user-first user is invited again, and the invitation resent', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'IndeVets');
    const email = uniqueEmail('dr');
    const first = await inviteOk(t, cookie, org.id, { email, role: 'member', createUser: true });
    const userId = first.invitation.userId;
    // From the user manager: the live invitation is answered, not duplicated…
    const dup = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations`, headers: { cookie }, payload: { email, role: 'member', createUser: true } });
    expect([dup.statusCode, dup.json<InvitationAnswer>().id]).toEqual([200, first.invitation.id]);
    // …and "re-invite" is a resend: a new link, the same user record.
    t.clock.advance(HOUR);
    const resent = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations/${first.invitation.id}/resend`, headers: { cookie } });
    expect(resent.json<InvitationAnswer>()).toMatchObject({ userId, resendCount: 1 });
    const forUser = await t.inject({ method: 'GET', url: `/api/v1/orgs/${org.id}/invitations?userId=${userId ?? ''}`, headers: { cookie } });
    expect(forUser.json<{ items: unknown[] }>().items).toHaveLength(1);
    expect(code(await register(first.token))).toBe('INVITATION_NOT_FOUND');
  });

  it('hit the API to generate an invite', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'IndeVets');
    const person = await createPerson(t, org.id, { email: uniqueEmail('employee') });
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/invitations`,
      headers: { cookie },
      payload: { email: person.email, role: 'member', personId: person.id },
    });
    expect(res.statusCode).toBe(201);
    const invitation = res.json<InvitationAnswer>();
    expect(invitation).toMatchObject({ status: 'pending', personId: person.id });
    const stored = await t.ctx.db.selectFrom('events').select('type').where('invitation_id', '=', invitation.id).execute();
    expect(stored.map((e) => e.type)).toEqual(['invitation.created']);
    const outbox = await t.ctx.db.selectFrom('outbox').select('payload').where('invitation_id', '=', invitation.id).executeTakeFirstOrThrow();
    expect(outbox.payload).toMatchObject({ to: person.email, template: 'invitation' });
  });

  it('hit the click endpoint', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'IndeVets');
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail('employee'), role: 'member' });
    await markSent(t, invitation.id);
    const res = await post('lookup', { token });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ invitation: { status: string } }>().invitation.status).toBe('clicked');
    expect(await eventTypes(t, invitation.id)).toEqual(['invitation.created', 'invitation.sent', 'invitation.clicked']);
  });

  it('move the clock past expiry and see the invitation refused', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'IndeVets');
    // An expiry shorter than the org's lifetime: one day.
    const { invitation, token } = await inviteOk(t, cookie, org.id, {
      email: uniqueEmail('employee'),
      role: 'member',
      expiresAt: new Date(t.clock.now().getTime() + DAY).toISOString(),
    });
    t.clock.advance(DAY - 1);
    expect((await post('lookup', { token })).statusCode).toBe(200);
    t.clock.advance(1);
    const res = await register(token);
    expect([res.statusCode, code(res)]).toEqual([410, 'INVITATION_EXPIRED']);
    expect((await invitationRow(t, invitation.id))?.status).toBe('expired');
    expect(code(await post('decline', { token }))).toBe('INVITATION_EXPIRED');
  });
});
