import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test/app.js';
import { createResource, createUser, grant, ownerWithOrg, signIn } from '../test/fixtures.js';

interface MeOrg {
  id: string;
  name: string;
  org: { id: string; name: string } | null;
  resources: { id: string; name: string; orgId: string }[];
  resourcesTruncated: boolean;
  roles: { key: string }[];
}
interface MeBody {
  orgs: MeOrg[];
  features: { devMailbox: boolean };
}

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

async function me(cookie: string): Promise<MeBody> {
  const res = await t.inject({ url: '/api/v1/me', headers: { cookie } });
  expect(res.statusCode).toBe(200);
  return res.json<MeBody>();
}

async function get(cookie: string, url: string) {
  const res = await t.inject({ url, headers: { cookie } });
  return { status: res.statusCode, body: res.json<Record<string, unknown> & { items?: unknown[] }>() };
}

/** An org with two locations and a custom role, owned by a signed-in owner. */
async function orgWithPlaces(name: string) {
  const owner = await ownerWithOrg(t, name);
  const north = await createResource(t, owner.org.id, `${name} North`);
  const south = await createResource(t, owner.org.id, `${name} South`);
  const role = await t.inject({
    method: 'POST',
    url: `/api/v1/orgs/${owner.org.id}/roles`,
    headers: { cookie: owner.cookie },
    payload: { key: 'front-desk', name: 'Front desk', permissions: ['people:read'] },
  });
  expect(role.statusCode).toBe(201);
  return { ...owner, north, south };
}

async function signedIn(grants: [orgId: string, role: string, resourceId: string | null][]) {
  const user = await createUser(t);
  for (const [orgId, role, resourceId] of grants) await grant(t, user.id, orgId, role, resourceId);
  return signIn(t, user.email);
}

describe('GET /api/v1/me: each org as the user may read it (R92)', () => {
  it('gives an owner the org record, every resource by name and every role, as the org routes do', async () => {
    const { org, cookie, north, south } = await orgWithPlaces('Owned');
    const body = await me(cookie);
    expect(body.orgs).toHaveLength(1);
    const [entry] = body.orgs;
    expect(entry).toMatchObject({ id: org.id, name: 'Owned', org: { id: org.id, name: 'Owned' }, resourcesTruncated: false });
    expect(entry?.resources.map((r) => r.id)).toEqual([north.id, south.id]);
    // The same answers the org's own routes give.
    expect(entry?.org).toEqual((await get(cookie, `/api/v1/orgs/${org.id}`)).body);
    expect(entry?.resources).toEqual((await get(cookie, `/api/v1/orgs/${org.id}/resources?limit=200`)).body.items);
    expect(entry?.roles).toEqual((await get(cookie, `/api/v1/orgs/${org.id}/roles`)).body.items);
    expect(entry?.roles.map((r) => r.key)).toContain('front-desk');
  });

  it('gives an org-wide admin the same, and a renamed org shows its new name', async () => {
    const { org, cookie: ownerCookie, north, south } = await orgWithPlaces('Admined');
    const cookie = await signedIn([[org.id, 'admin', null]]);
    const renamed = await t.inject({ method: 'PATCH', url: `/api/v1/orgs/${org.id}`, headers: { cookie: ownerCookie }, payload: { name: 'Admined Two' } });
    expect(renamed.statusCode).toBe(200);
    const [entry] = (await me(cookie)).orgs;
    expect(entry).toMatchObject({ id: org.id, name: 'Admined Two', org: { name: 'Admined Two' } });
    expect(entry?.resources.map((r) => r.id)).toEqual([north.id, south.id]);
    expect(entry?.roles.map((r) => r.key)).toEqual(['owner', 'admin', 'member', 'viewer', 'front-desk']);
  });

  it('gives a location-only member no org record, only their own location, and the roles readable there', async () => {
    const { org, north, south } = await orgWithPlaces('Located');
    const cookie = await signedIn([[org.id, 'admin', north.id]]);
    const [entry] = (await me(cookie)).orgs;
    expect(entry).toMatchObject({ id: org.id, name: 'Located', org: null, resourcesTruncated: false });
    expect(entry?.resources.map((r) => r.id)).toEqual([north.id]);
    // Mirrors the routes: no org record, no org-wide list, their resource yes, the other no, roles at theirs.
    expect((await get(cookie, `/api/v1/orgs/${org.id}`)).status).toBe(403);
    expect((await get(cookie, `/api/v1/orgs/${org.id}/resources`)).status).toBe(403);
    expect((await get(cookie, `/api/v1/orgs/${org.id}/resources/${south.id}`)).status).toBe(403);
    const own = await get(cookie, `/api/v1/orgs/${org.id}/resources/${north.id}`);
    expect(entry?.resources).toEqual([own.body]);
    expect(entry?.roles).toEqual((await get(cookie, `/api/v1/orgs/${org.id}/roles?resourceId=${north.id}`)).body.items);
    expect(entry?.roles.length).toBeGreaterThan(0);
  });

  it('lists nothing a location grant without org:read could not read', async () => {
    const { org, north } = await orgWithPlaces('Narrow');
    const cookie = await signedIn([[org.id, 'front-desk', north.id]]);
    expect((await get(cookie, `/api/v1/orgs/${org.id}/roles?resourceId=${north.id}`)).status).toBe(403);
    expect((await get(cookie, `/api/v1/orgs/${org.id}/resources/${north.id}`)).status).toBe(403);
    const [entry] = (await me(cookie)).orgs;
    expect(entry).toMatchObject({ id: org.id, name: 'Narrow', org: null, resources: [], roles: [], resourcesTruncated: false });
  });

  it('lists a member of two orgs in both, each with its own records only, and nothing of an org they are not in', async () => {
    const first = await orgWithPlaces('Alpha Two');
    const second = await orgWithPlaces('Beta Two');
    const other = await orgWithPlaces('Gamma Elsewhere');
    const cookie = await signedIn([
      [first.org.id, 'viewer', null],
      [second.org.id, 'member', second.south.id],
    ]);
    const res = await t.inject({ url: '/api/v1/me', headers: { cookie } });
    const body = res.json<MeBody>();
    expect(body.orgs.map((o) => [o.id, o.org?.id ?? null])).toEqual([
      [first.org.id, first.org.id],
      [second.org.id, null],
    ]);
    expect(body.orgs[0]?.resources.map((r) => r.id)).toEqual([first.north.id, first.south.id]);
    expect(body.orgs[1]?.resources.map((r) => r.id)).toEqual([second.south.id]);
    for (const entry of body.orgs) for (const resource of entry.resources) expect(resource.orgId).toBe(entry.id);
    for (const leaked of [other.org.id, other.north.id, other.south.id, 'Gamma Elsewhere', second.north.id]) expect(res.body).not.toContain(leaked);
  });

  it('lists at most 200 resources and says when there are more', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'Many Places');
    const rows = Array.from({ length: 200 }, (_, i) => ({ org_id: org.id, kind: 'location', name: `Place ${String(i).padStart(3, '0')}`, updated_at: t.clock.now() }));
    await t.ctx.db.insertInto('resources').values(rows).execute();
    const exact = (await me(cookie)).orgs[0];
    expect([exact?.resources.length, exact?.resourcesTruncated]).toEqual([200, false]);
    await createResource(t, org.id, 'Place 200');
    const over = (await me(cookie)).orgs[0];
    expect([over?.resources.length, over?.resourcesTruncated]).toEqual([200, true]);
    expect(over?.resources.at(-1)?.name).toBe('Place 199');
  });

  it('says the dev mailbox is on without SMTP_URL and off with it', async () => {
    const cookie = await signedIn([]);
    expect((await me(cookie)).features).toEqual({ devMailbox: true });
    const smtp = await testApp({ SMTP_URL: 'smtp://127.0.0.1:2525' });
    try {
      const user = await createUser(smtp);
      const res = await smtp.inject({ url: '/api/v1/me', headers: { cookie: await signIn(smtp, user.email) } });
      expect(res.json<MeBody>()).toMatchObject({ orgs: [], features: { devMailbox: false } });
    } finally {
      await smtp.close();
    }
  });
});
