/**
 * The directory's sorts (docs/rules.md R91): every sort pages through the whole order with no row
 * skipped or repeated, names sort case-insensitively with ties broken by id, a person with no
 * invitation sorts by their own last change, a cursor is refused under another sort, and an
 * unknown sort is a coded 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../clock.js';
import type { InvitationStatus } from '../db/schema.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createResource, ownerWithOrg } from '../test/fixtures.js';
import { pageThrough } from '../test/paging.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

interface Person {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  resourceId: string | null;
  accessStatus: string;
  lastActivityAt: string;
}

/** The console's status tabs' order, which the status sort follows. */
const STATUS_ORDER = ['invited', 'opened', 'clicked', 'expired', 'failed', 'registered', 'declined', 'revoked', 'not_invited'];

/** People with mixed-case names (some equal but for case), some invited; letters only, so every collation agrees. */
const SEED: { first: string; last: string; email: string; invitation: InvitationStatus | null; sameTimeAsPrevious?: boolean; atResource?: boolean }[] = [
  { first: 'Ann', last: 'baker', email: 'qk@sort.test', invitation: null },
  { first: 'ann', last: 'Baker', email: 'qc@sort.test', invitation: 'pending', sameTimeAsPrevious: true },
  { first: 'Bob', last: 'BAKER', email: 'qa@sort.test', invitation: 'opened', atResource: true },
  { first: 'zoe', last: 'Adams', email: 'qf@sort.test', invitation: null, sameTimeAsPrevious: true },
  { first: 'Al', last: 'adams', email: 'qz@sort.test', invitation: 'revoked' },
  { first: 'Max', last: 'cole', email: 'qb@sort.test', invitation: 'pending', atResource: true },
  { first: 'max', last: 'Cole', email: 'qm@sort.test', invitation: null, atResource: true },
  { first: 'Cy', last: '', email: 'qd@sort.test', invitation: null, sameTimeAsPrevious: true },
];

async function seed() {
  const owner = await ownerWithOrg(t);
  const base = `/api/v1/orgs/${owner.org.id}/people`;
  const headers = { cookie: owner.cookie };
  const place = await createResource(t, owner.org.id);
  for (const [index, person] of SEED.entries()) {
    if (person.sameTimeAsPrevious !== true) t.clock.advance(60_000);
    const res = await t.inject({
      method: 'POST',
      url: base,
      headers,
      payload: { firstName: person.first, lastName: person.last, email: person.email, ...(person.atResource === true ? { resourceId: place.id } : {}) },
    });
    expect(res.statusCode, res.body).toBe(201);
    if (person.invitation !== null) {
      // An invitation changed later than the person (some at the same instant): their last activity.
      const at = new Date(t.clock.now().getTime() + (index % 3) * DAY + 1);
      await t.ctx.db
        .insertInto('invitations')
        .values({
          org_id: owner.org.id,
          person_id: res.json<Person>().id,
          role: 'member',
          email: person.email,
          inviter_type: 'user',
          inviter_name: 'Someone',
          metadata: '{}',
          status: person.invitation,
          tracking_id: crypto.randomUUID(),
          expires_at: new Date(at.getTime() + 30 * DAY),
          created_at: at,
          updated_at: at,
        })
        .execute();
    }
  }
  const all = await pageThrough<Person>(t, base, headers, 200);
  expect(all).toHaveLength(SEED.length);
  return { base, headers, place, all };
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
const byName = (a: Person, b: Person) => cmp(a.lastName.toLowerCase(), b.lastName.toLowerCase()) || cmp(a.firstName.toLowerCase(), b.firstName.toLowerCase());
/** The whole order each sort should give, ascending; descending is its reverse (the id breaks ties in the sort's direction). */
const EXPECTED: Record<string, (a: Person, b: Person) => number> = {
  name: (a, b) => byName(a, b) || cmp(a.id, b.id),
  email: (a, b) => cmp(a.email, b.email) || cmp(a.id, b.id),
  status: (a, b) => cmp(STATUS_ORDER.indexOf(a.accessStatus), STATUS_ORDER.indexOf(b.accessStatus)) || byName(a, b) || cmp(a.id, b.id),
  lastActivity: (a, b) => cmp(Date.parse(a.lastActivityAt), Date.parse(b.lastActivityAt)) || cmp(a.id, b.id),
};

describe('the directory sorted (R91)', () => {
  it('pages through every sort, both directions, in the whole order with no row skipped or repeated', async () => {
    const { base, headers, all } = await seed();
    // The data has the ties the order must break: equal names but for case, equal activity times.
    expect(new Set(all.map((p) => `${p.lastName.toLowerCase()} ${p.firstName.toLowerCase()}`)).size).toBeLessThan(all.length);
    expect(new Set(all.map((p) => p.lastActivityAt)).size).toBeLessThan(all.length);
    for (const [key, order] of Object.entries(EXPECTED)) {
      const ascending = [...all].sort(order).map((p) => p.id);
      for (const limit of [1, 2, 3]) {
        expect((await pageThrough<Person>(t, `${base}?sort=${key}`, headers, limit)).map((p) => p.id), `${key} by ${String(limit)}`).toEqual(ascending);
        expect((await pageThrough<Person>(t, `${base}?sort=-${key}`, headers, limit)).map((p) => p.id), `-${key} by ${String(limit)}`).toEqual(
          [...ascending].reverse(),
        );
      }
    }
    // Without a sort the directory is by name.
    expect((await pageThrough<Person>(t, base, headers)).map((p) => p.id)).toEqual([...all].sort(EXPECTED.name).map((p) => p.id));
  });

  it('sorts within the filters: status, search and resource', async () => {
    const { base, headers, place, all } = await seed();
    const ids = (people: Person[]) => people.map((p) => p.id);
    const invited = all.filter((p) => p.accessStatus === 'invited').sort(EXPECTED.name).reverse();
    expect(invited.length).toBeGreaterThan(1);
    expect(ids(await pageThrough<Person>(t, `${base}?sort=-name&accessStatus=invited`, headers, 1))).toEqual(ids(invited));
    const bakers = all.filter((p) => p.lastName.toLowerCase() === 'baker').sort(EXPECTED.email);
    expect(ids(await pageThrough<Person>(t, `${base}?sort=email&q=baker`, headers, 2))).toEqual(ids(bakers));
    const here = all.filter((p) => p.resourceId === place.id).sort(EXPECTED.lastActivity).reverse();
    expect(ids(await pageThrough<Person>(t, `${base}?sort=-lastActivity&resourceId=${place.id}`, headers, 1))).toEqual(ids(here));
  });

  it('refuses a cursor made under another sort, and an unknown sort, with a coded 400', async () => {
    const { base, headers } = await seed();
    const first = await t.inject({ url: `${base}?sort=name&limit=2`, headers });
    const cursor = first.json<{ nextCursor: string }>().nextCursor;
    // The default sort is name: its cursor goes on without the parameter.
    expect((await t.inject({ url: `${base}?limit=2&cursor=${cursor}`, headers })).statusCode).toBe(200);
    for (const other of ['-name', 'email', 'status', '-lastActivity']) {
      const res = await t.inject({ url: `${base}?sort=${other}&limit=2&cursor=${cursor}`, headers });
      expect([res.statusCode, errorCode(res)], other).toEqual([400, 'INVALID_CURSOR']);
    }
    for (const bad of ['nope', 'Name', '--name', '+name', 'lastName', '']) {
      const res = await t.inject({ url: `${base}?sort=${bad}`, headers });
      expect([res.statusCode, errorCode(res)], bad).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.json<{ error: { details: { path: string }[] } }>().error.details.map((d) => d.path), bad).toContain('querystring.sort');
    }
  });
});
