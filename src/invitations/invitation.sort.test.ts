/**
 * The invitation list's sorts (docs/rules.md R91): every sort pages through the whole order with
 * no row skipped or repeated (ties in time and email broken by id, times compared at
 * microseconds), newest first by default, within the filters; a cursor is refused under another
 * sort and an unknown sort is a coded 400.
 */
import { sql } from 'kysely';
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

interface Invitation {
  id: string;
  email: string;
  status: string;
  resourceId: string | null;
}

/** Invitations with equal emails, equal creation and expiry instants, and two a microsecond apart. */
const SEED: { email: string; created: string; expires: number; status: InvitationStatus; atResource?: boolean }[] = [
  { email: 'kim@sort.test', created: '2026-03-01 10:00:00.000001+00', expires: 5, status: 'pending' },
  { email: 'kim@sort.test', created: '2026-03-01 10:00:00.000002+00', expires: 5, status: 'revoked' },
  { email: 'ada@sort.test', created: '2026-03-01 10:00:00.000001+00', expires: 9, status: 'sent', atResource: true },
  { email: 'zed@sort.test', created: '2026-03-02 08:00:00+00', expires: 1, status: 'pending', atResource: true },
  { email: 'bea@sort.test', created: '2026-03-02 08:00:00+00', expires: 9, status: 'accepted' },
  { email: 'ada@sort.test', created: '2026-02-27 12:00:00+00', expires: 2, status: 'pending' },
  { email: 'lou@sort.test', created: '2026-03-03 09:30:00+00', expires: 5, status: 'opened', atResource: true },
];

/** The seeded rows as the database holds them, with their times in microseconds. */
interface Row {
  id: string;
  email: string;
  created: bigint;
  expires: bigint;
  status: string;
  resource_id: string | null;
}

async function seed() {
  const owner = await ownerWithOrg(t);
  const base = `/api/v1/orgs/${owner.org.id}/invitations`;
  const headers = { cookie: owner.cookie };
  const place = await createResource(t, owner.org.id);
  const far = new Date('2030-01-01T00:00:00.000Z').getTime();
  for (const row of SEED) {
    await t.ctx.db
      .insertInto('invitations')
      .values({
        org_id: owner.org.id,
        resource_id: row.atResource === true ? place.id : null,
        role: 'member',
        email: row.email,
        inviter_type: 'user',
        inviter_name: 'Someone',
        metadata: '{}',
        status: row.status,
        tracking_id: crypto.randomUUID(),
        expires_at: new Date(far + row.expires * DAY),
        created_at: sql<Date>`${row.created}::timestamptz`,
        updated_at: sql<Date>`${row.created}::timestamptz`,
      })
      .execute();
  }
  const rows = (
    await t.ctx.db
      .selectFrom('invitations')
      .select([
        'id',
        'email',
        'status',
        'resource_id',
        sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as('created'),
        sql<string>`(extract(epoch from expires_at) * 1000000)::bigint::text`.as('expires'),
      ])
      .where('org_id', '=', owner.org.id)
      .execute()
  ).map((row): Row => ({ ...row, created: BigInt(row.created), expires: BigInt(row.expires) }));
  expect(rows).toHaveLength(SEED.length);
  return { base, headers, place, rows };
}

const cmp = (a: string | bigint, b: string | bigint) => (a < b ? -1 : a > b ? 1 : 0);
/** The whole order each sort should give, ascending; descending is its reverse. */
const EXPECTED: Record<string, (a: Row, b: Row) => number> = {
  createdAt: (a, b) => cmp(a.created, b.created) || cmp(a.id, b.id),
  email: (a, b) => cmp(a.email, b.email) || cmp(a.id, b.id),
  expiresAt: (a, b) => cmp(a.expires, b.expires) || cmp(a.id, b.id),
};
const ids = (items: { id: string }[]) => items.map((item) => item.id);

describe('the invitation list sorted (R91)', () => {
  it('pages through every sort, both directions, in the whole order with no row skipped or repeated', async () => {
    const { base, headers, rows } = await seed();
    for (const [key, order] of Object.entries(EXPECTED)) {
      const ascending = ids([...rows].sort(order));
      for (const limit of [1, 2, 3]) {
        expect(ids(await pageThrough<Invitation>(t, `${base}?sort=${key}`, headers, limit)), `${key} by ${String(limit)}`).toEqual(ascending);
        expect(ids(await pageThrough<Invitation>(t, `${base}?sort=-${key}`, headers, limit)), `-${key} by ${String(limit)}`).toEqual([...ascending].reverse());
      }
    }
    // Without a sort the list is newest first.
    expect(ids(await pageThrough<Invitation>(t, base, headers, 2))).toEqual(ids([...rows].sort(EXPECTED.createdAt).reverse()));
  });

  it('sorts within the filters: status, search and resource', async () => {
    const { base, headers, place, rows } = await seed();
    const pending = rows.filter((row) => row.status === 'pending').sort(EXPECTED.expiresAt);
    expect(ids(await pageThrough<Invitation>(t, `${base}?sort=expiresAt&status=pending`, headers, 1))).toEqual(ids(pending));
    const kims = rows.filter((row) => row.email.startsWith('kim')).sort(EXPECTED.email).reverse();
    expect(ids(await pageThrough<Invitation>(t, `${base}?sort=-email&q=kim`, headers, 1))).toEqual(ids(kims));
    const here = rows.filter((row) => row.resource_id === place.id).sort(EXPECTED.email);
    expect(ids(await pageThrough<Invitation>(t, `${base}?sort=email&resourceId=${place.id}`, headers, 2))).toEqual(ids(here));
  });

  it('refuses a cursor made under another sort, and an unknown sort, with a coded 400', async () => {
    const { base, headers } = await seed();
    const first = await t.inject({ url: `${base}?sort=email&limit=2`, headers });
    const cursor = first.json<{ nextCursor: string }>().nextCursor;
    for (const other of ['-email', 'createdAt', 'expiresAt']) {
      const res = await t.inject({ url: `${base}?sort=${other}&limit=2&cursor=${cursor}`, headers });
      expect([res.statusCode, errorCode(res)], other).toEqual([400, 'INVALID_CURSOR']);
    }
    // A default-sorted cursor is a -createdAt one, and no other.
    const newest = (await t.inject({ url: `${base}?limit=2`, headers })).json<{ nextCursor: string }>().nextCursor;
    expect((await t.inject({ url: `${base}?sort=-createdAt&limit=2&cursor=${newest}`, headers })).statusCode).toBe(200);
    const reversed = await t.inject({ url: `${base}?sort=createdAt&limit=2&cursor=${newest}`, headers });
    expect([reversed.statusCode, errorCode(reversed)]).toEqual([400, 'INVALID_CURSOR']);
    for (const bad of ['nope', 'created_at', '-', 'email,createdAt', 'lastActivity']) {
      const res = await t.inject({ url: `${base}?sort=${encodeURIComponent(bad)}`, headers });
      expect([res.statusCode, errorCode(res)], bad).toEqual([400, 'VALIDATION_FAILED']);
      expect(res.json<{ error: { details: { path: string }[] } }>().error.details.map((d) => d.path), bad).toContain('querystring.sort');
    }
  });
});
