import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createResource, createUser, grant, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import { createPerson, inviteOk } from '../test/invitations.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const url = (orgId: string, personId: string) => `/api/v1/orgs/${orgId}/people/${personId}/invitation`;

describe("GET /orgs/:orgId/people/:personId/invitation: a person's latest invitation (R92)", () => {
  it('answers the latest invitation with its timeline, the same as GET /invitations/:id', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const email = uniqueEmail('latest');
    const person = await createPerson(t, org.id, { email });
    const first = await inviteOk(t, cookie, org.id, { email, role: 'member', personId: person.id });
    const revoked = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations/${first.invitation.id}/revoke`, headers: { cookie } });
    expect(revoked.statusCode).toBe(200);
    t.clock.advance(MINUTE);
    const second = await inviteOk(t, cookie, org.id, { email, role: 'viewer', personId: person.id });
    const res = await t.inject({ url: url(org.id, person.id), headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const direct = await t.inject({ url: `/api/v1/orgs/${org.id}/invitations/${second.invitation.id}`, headers: { cookie } });
    expect(res.json()).toEqual(direct.json());
    expect(res.json()).toMatchObject({ id: second.invitation.id, role: 'viewer', personId: person.id });
  });

  it('is 404 INVITATION_NOT_FOUND for a person never invited, 404 PERSON_NOT_FOUND for an unknown or foreign person', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const other = await ownerWithOrg(t);
    const never = await createPerson(t, org.id, { email: uniqueEmail() });
    const foreign = await createPerson(t, other.org.id, { email: uniqueEmail() });
    const none = await t.inject({ url: url(org.id, never.id), headers: { cookie } });
    expect([none.statusCode, errorCode(none)]).toEqual([404, 'INVITATION_NOT_FOUND']);
    for (const personId of [foreign.id, '00000000-0000-4000-8000-000000000000']) {
      const res = await t.inject({ url: url(org.id, personId), headers: { cookie } });
      expect([res.statusCode, errorCode(res)]).toEqual([404, 'PERSON_NOT_FOUND']);
    }
    // Someone of another org learns nothing about this org's people.
    const outsider = await t.inject({ url: url(org.id, never.id), headers: { cookie: other.cookie } });
    expect([outsider.statusCode, errorCode(outsider)]).toEqual([404, 'ORG_NOT_FOUND']);
  });

  it("checks invitations:read at the person's scope and again at the invitation's", async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const north = await createResource(t, org.id, 'North');
    const south = await createResource(t, org.id, 'South');
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin', north.id);
    const adminCookie = await signIn(t, admin.email);

    const mine = await createPerson(t, org.id, { email: uniqueEmail(), resource_id: north.id });
    const invited = await inviteOk(t, cookie, org.id, { email: mine.email, role: 'member', resourceId: north.id, personId: mine.id });
    const ok = await t.inject({ url: url(org.id, mine.id), headers: { cookie: adminCookie } });
    expect([ok.statusCode, ok.json<{ id: string }>().id]).toEqual([200, invited.invitation.id]);

    const elsewhere = await createPerson(t, org.id, { email: uniqueEmail(), resource_id: south.id });
    await inviteOk(t, cookie, org.id, { email: elsewhere.email, role: 'member', resourceId: south.id, personId: elsewhere.id });
    const theirs = await t.inject({ url: url(org.id, elsewhere.id), headers: { cookie: adminCookie } });
    expect([theirs.statusCode, errorCode(theirs)]).toEqual([403, 'FORBIDDEN']);

    // A person of their location invited org-wide: the invitation is outside what they may read.
    const wide = await createPerson(t, org.id, { email: uniqueEmail(), resource_id: north.id });
    await inviteOk(t, cookie, org.id, { email: wide.email, role: 'member', personId: wide.id });
    const above = await t.inject({ url: url(org.id, wide.id), headers: { cookie: adminCookie } });
    expect([above.statusCode, errorCode(above)]).toEqual([403, 'FORBIDDEN']);
  });
});
