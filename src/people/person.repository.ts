/**
 * The people directory's queries. Every read selects the derived access status and latest
 * invitation id in the same query (one round trip, filterable, pageable).
 */
import { type Kysely, sql, type Transaction, type Updateable } from 'kysely';
import { afterPosition, orderTerms, resolveSort, type Sort, sortKeySelection, type SortSpec } from '../db/keyset.js';
import type { DB, PeopleTable, PersonRow, UserRow } from '../db/schema.js';
import { accessStatusExpression, effectiveStatus } from './access-status.repository.js';
import { ACCESS_STATUS_SORT_ORDER, type AccessStatus, type PeopleSort, type PeopleSortKey, type PersonView } from './person.presenter.js';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * People with their derived columns: the latest invitation is joined laterally once per row
 * (index invitations_person_idx) and feeds both accessStatus and latestInvitationId. An
 * invitation still live at `now` though its expiry has passed counts as expired.
 */
function people(db: Db, now: Date) {
  return db
    .selectFrom('people as p')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('invitations as li')
          .select(['li.id', 'li.updated_at', effectiveStatus('li', now).as('status')])
          .whereRef('li.person_id', '=', 'p.id')
          .orderBy('li.created_at', 'desc')
          .orderBy('li.id', 'desc')
          .limit(1)
          .as('latest'),
      (join) => join.onTrue(),
    )
    .selectAll('p')
    .select([
      accessStatusExpression('p', 'latest').as('access_status'),
      'latest.id as latest_invitation_id',
      LAST_ACTIVITY.as('last_activity_at'),
    ]);
}

/** A person's last activity: their own last change or their latest invitation's, never null. */
const LAST_ACTIVITY = sql<Date>`coalesce(greatest(latest.updated_at, p.updated_at), p.updated_at)`;

/** Case-insensitive last name, then first name: the directory's name order. */
const NAME = [
  { sql: sql`lower(p.last_name)`, part: 'text' },
  { sql: sql`lower(p.first_name)`, part: 'text' },
] as const;
const ID = { sql: sql`p.id`, part: 'uuid' } as const;

/**
 * The directory's sorts (docs/rules.md R91), each ending in the id so paging is total. Status
 * sorts in the status tabs' order, by name within a status. The name sort is served by the
 * indexes on (org_id, lower(last_name), lower(first_name), id) (migration 0013).
 */
const PEOPLE_SORTS: SortSpec<PeopleSortKey> = {
  name: [...NAME, ID],
  email: [{ sql: sql`p.email`, part: 'text' }, ID],
  status: [
    {
      sql: sql`(case ${accessStatusExpression('p', 'latest')} ${sql.join(
        ACCESS_STATUS_SORT_ORDER.map((status, index) => sql`when ${sql.lit(status)} then ${sql.lit(index + 1)}`),
        sql` `,
      )} end)`,
      part: 'seq',
    },
    ...NAME,
    ID,
  ],
  lastActivity: [{ sql: LAST_ACTIVITY, part: 'micros' }, ID],
};

/** The directory's sort of this name. */
export function peopleSort(name: PeopleSort): Sort {
  return resolveSort(PEOPLE_SORTS, name);
}

export async function findPerson(db: Db, orgId: string, personId: string, now: Date): Promise<PersonView | undefined> {
  return people(db, now).where('p.org_id', '=', orgId).where('p.id', '=', personId).executeTakeFirst();
}

/** The directory entries linked to a user, in every org (GET /api/v1/me). */
export async function listLinkedPeople(db: Db, userId: string, now: Date): Promise<PersonView[]> {
  return people(db, now).where('p.user_id', '=', userId).orderBy('p.org_id').orderBy('p.id').execute();
}

export interface PeopleFilter {
  q?: string | undefined;
  accessStatus?: AccessStatus | undefined;
  resourceId?: string | undefined;
}

/** LIKE pattern matching values that start with `text`, with LIKE's own wildcards taken literally. */
function startingWith(text: string): string {
  return `${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** The directory's filters (resource, access status, prefix search) on a query over `people as p`. */
function filtered(base: ReturnType<typeof people>, filter: PeopleFilter): ReturnType<typeof people> {
  let q0 = base;
  if (filter.resourceId !== undefined) q0 = q0.where('p.resource_id', '=', filter.resourceId);
  if (filter.accessStatus !== undefined) q0 = q0.where(accessStatusExpression('p', 'latest'), '=', filter.accessStatus);
  const q = filter.q?.trim().toLowerCase();
  if (q !== undefined && q !== '') {
    // Prefix search (type-ahead) on last name, full name ("first last") or email: each has a
    // pattern-ops index (migration 0002), so a search is index range scans, not a table scan.
    const pattern = startingWith(q);
    q0 = q0.where((eb) =>
      eb.or([
        eb(sql<string>`lower(p.last_name)`, 'like', pattern),
        eb(sql<string>`lower(p.first_name || ' ' || p.last_name)`, 'like', pattern),
        eb('p.email', 'like', pattern),
      ]),
    );
  }
  return q0;
}

/**
 * A page of an org's people in the sort's order, after the cursor's position when given, each
 * with its sort key; `limit + 1` rows so the caller can tell whether another page follows.
 */
export async function listPeople(
  db: Db,
  orgId: string,
  filter: PeopleFilter,
  page: { sort: Sort; limit: number; after: readonly string[] | null },
  now: Date,
): Promise<(PersonView & { sort_key: string[] })[]> {
  let query = filtered(people(db, now).where('p.org_id', '=', orgId), filter).select(sortKeySelection(page.sort).as('sort_key'));
  if (page.after !== null) query = query.where(afterPosition(page.sort, page.after));
  for (const term of orderTerms(page.sort)) query = query.orderBy(term);
  return query.limit(page.limit + 1).execute();
}

/**
 * How many of an org's people are in each access status, under the same search and resource
 * filters as the list (the status tabs over it): one grouped query.
 */
export async function countPeopleByStatus(db: Db, orgId: string, filter: Omit<PeopleFilter, 'accessStatus'>, now: Date): Promise<Map<AccessStatus, number>> {
  const rows = await db
    .selectFrom(filtered(people(db, now).where('p.org_id', '=', orgId), filter).as('d'))
    .select(['d.access_status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('d.access_status')
    .execute();
  return new Map(rows.map((row) => [row.access_status, Number(row.n)]));
}

/** Inserts a person; undefined when the org already has a person with that email. */
export async function insertPerson(
  db: Db,
  orgId: string,
  person: { firstName: string; lastName: string; email: string; title: string | null; resourceId: string | null },
  now: Date,
): Promise<string | undefined> {
  const row = await db
    .insertInto('people')
    .values({
      org_id: orgId,
      first_name: person.firstName,
      last_name: person.lastName,
      email: person.email,
      title: person.title,
      resource_id: person.resourceId,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['org_id', 'email']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** Whether another person of the org has this email. */
export async function emailTaken(db: Db, orgId: string, email: string, exceptPersonId: string): Promise<boolean> {
  const row = await db.selectFrom('people').select('id').where('org_id', '=', orgId).where('email', '=', email).where('id', '!=', exceptPersonId).executeTakeFirst();
  return row !== undefined;
}

export async function updatePerson(db: Db, orgId: string, personId: string, changes: Updateable<PeopleTable>): Promise<void> {
  await db.updateTable('people').set(changes).where('org_id', '=', orgId).where('id', '=', personId).execute();
}

/** Deletes the person; whether there was one. */
export async function deletePerson(db: Db, orgId: string, personId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('people').where('org_id', '=', orgId).where('id', '=', personId).returning('id').executeTakeFirst();
  return deleted !== undefined;
}

/** How a person is found: by id, or by the canonical email the org knows them by. */
export type PersonKey = { id: string } | { email: string };

/** The org's person, locked until the transaction ends (a link is decided on a locked row). */
export async function lockPerson(trx: Transaction<DB>, orgId: string, key: PersonKey): Promise<Pick<PersonRow, 'id' | 'email' | 'user_id'> | undefined> {
  let query = trx.selectFrom('people').select(['id', 'email', 'user_id']).where('org_id', '=', orgId);
  query = 'id' in key ? query.where('id', '=', key.id) : query.where('email', '=', key.email);
  return query.forUpdate().executeTakeFirst();
}

export async function setPersonUser(trx: Transaction<DB>, personId: string, userId: string | null, now: Date): Promise<void> {
  await trx.updateTable('people').set({ user_id: userId, updated_at: now }).where('id', '=', personId).execute();
}

/** Another person of the org already linked to this user, if any. */
export async function otherPersonLinkedTo(db: Db, orgId: string, userId: string, exceptPersonId: string): Promise<string | undefined> {
  const row = await db.selectFrom('people').select('id').where('org_id', '=', orgId).where('user_id', '=', userId).where('id', '!=', exceptPersonId).executeTakeFirst();
  return row?.id;
}

/** The user a person may be linked to, with whether they hold any grant in the org. */
export async function findUserForLink(db: Db, orgId: string, userId: string): Promise<(Pick<UserRow, 'id' | 'email'> & { member: boolean }) | undefined> {
  const row = await db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.email',
      eb.exists(eb.selectFrom('grants as g').select('g.id').where('g.org_id', '=', orgId).whereRef('g.user_id', '=', 'u.id')).as('member'),
    ])
    .where('u.id', '=', userId)
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, email: row.email, member: Boolean(row.member) };
}

/**
 * Upserts people of an import by (org, email) in one statement; without `withTitle`, existing
 * titles are kept. Whether each row was inserted (true) or updated.
 */
export async function upsertPeople(
  db: Db,
  orgId: string,
  rows: readonly { email: string; firstName: string; lastName: string; title: string | null }[],
  withTitle: boolean,
  now: Date,
): Promise<boolean[]> {
  const results = await db
    .insertInto('people')
    .values(
      rows.map((row) => ({
        org_id: orgId,
        email: row.email,
        first_name: row.firstName,
        last_name: row.lastName,
        title: row.title,
        created_at: now,
        updated_at: now,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['org_id', 'email']).doUpdateSet((eb) => ({
        first_name: eb.ref('excluded.first_name'),
        last_name: eb.ref('excluded.last_name'),
        ...(withTitle ? { title: eb.ref('excluded.title') } : {}),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    // xmax = 0 only on a freshly inserted row: how PostgreSQL tells an insert from an update.
    .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
    .execute();
  return results.map((result) => result.inserted);
}
