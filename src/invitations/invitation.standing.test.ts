/**
 * A route on one invitation reads the caller's grants in the org once: the route's pre-handler
 * reads them, and the service authorizes at the invitation's own scope from what it read.
 */
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test/app.js';
import { createResource, createUser, grant, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import { apiKey, auth, inviteOk } from '../test/invitations.js';

/** Counts the reads of the grants table. */
class GrantReads implements KyselyPlugin {
  count = 0;
  transformQuery({ node }: { node: RootOperationNode }): RootOperationNode {
    if (node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"name":"grants"')) this.count += 1;
    return node;
  }
  async transformResult<T>({ result }: { result: T }): Promise<T> {
    return result;
  }
}

const reads = new GrantReads();
let t: TestApp;
beforeAll(async () => {
  t = await testApp({}, { plugins: [reads] });
});
afterAll(async () => {
  await t.close();
});

/** The grant reads one request makes, and its status. */
async function readsOf(options: Parameters<TestApp['inject']>[0]): Promise<[number, number]> {
  reads.count = 0;
  const res = await t.inject(options);
  return [res.statusCode, reads.count];
}

describe('a route on one invitation', () => {
  it("reads the caller's grants in the org once: get, edit, resend, revoke, delete", async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const url = (id: string) => `/api/v1/orgs/${org.id}/invitations/${id}`;
    const headers = { cookie };
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail('one'), role: 'member' });
    expect(await readsOf({ url: url(invitation.id), headers })).toEqual([200, 1]);
    expect(await readsOf({ method: 'PATCH', url: url(invitation.id), headers, payload: { role: 'admin' } })).toEqual([200, 1]);
    t.clock.advance(10 * 60 * 1000);
    expect(await readsOf({ method: 'POST', url: `${url(invitation.id)}/resend`, headers })).toEqual([200, 1]);
    expect(await readsOf({ method: 'POST', url: `${url(invitation.id)}/revoke`, headers })).toEqual([200, 1]);
    expect(await readsOf({ method: 'DELETE', url: url(invitation.id), headers })).toEqual([204, 1]);
  });

  it("authorizes at the invitation's resource from the grants read once, for a resource's admin and an API key", async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const downtown = await createResource(t, org.id, 'Downtown');
    const uptown = await createResource(t, org.id, 'Uptown');
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin', downtown.id);
    const adminCookie = await signIn(t, admin.email);
    const mine = (await inviteOk(t, cookie, org.id, { email: uniqueEmail('mine'), role: 'member', resourceId: downtown.id })).invitation;
    const theirs = (await inviteOk(t, cookie, org.id, { email: uniqueEmail('theirs'), role: 'member', resourceId: uptown.id })).invitation;
    const url = (id: string) => `/api/v1/orgs/${org.id}/invitations/${id}`;
    expect(await readsOf({ url: url(mine.id), headers: { cookie: adminCookie } })).toEqual([200, 1]);
    expect(await readsOf({ url: url(theirs.id), headers: { cookie: adminCookie } })).toEqual([403, 1]);

    const key = await apiKey(t, org.id, ['invitations:read']);
    expect(await readsOf({ url: url(mine.id), headers: auth(key) })).toEqual([200, 1]);
    expect(await readsOf({ method: 'POST', url: `${url(mine.id)}/revoke`, headers: auth(key) })).toEqual([403, 1]);
  });

  it('answers an outsider 404 ORG_NOT_FOUND after one read, before looking the invitation up', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const { invitation } = await inviteOk(t, cookie, org.id, { email: uniqueEmail('out'), role: 'member' });
    const outsider = await ownerWithOrg(t);
    reads.count = 0;
    const res = await t.inject({ url: `/api/v1/orgs/${org.id}/invitations/${invitation.id}`, headers: { cookie: outsider.cookie } });
    expect([res.statusCode, res.json<{ error: { code: string } }>().error.code, reads.count]).toEqual([404, 'ORG_NOT_FOUND', 1]);
  });
});
