/**
 * The people directory's queries. Every read selects the derived access status and latest
 * invitation id in the same query (one round trip, filterable, pageable).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { accessStatusExpression, type AccessStatus, effectiveStatus } from './access-status.js';
import type { PersonView } from './person.presenter.js';

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
          .select(['li.id', effectiveStatus('li', now).as('status')])
          .whereRef('li.person_id', '=', 'p.id')
          .orderBy('li.created_at', 'desc')
          .orderBy('li.id', 'desc')
          .limit(1)
          .as('latest'),
      (join) => join.onTrue(),
    )
    .selectAll('p')
    .select([accessStatusExpression('p', 'latest').as('access_status'), 'latest.id as latest_invitation_id']);
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

/**
 * A page of an org's people in (last name, first name, id) order, after the cursor's key when
 * given; `limit + 1` rows so the caller can tell whether another page follows.
 */
export async function listPeople(
  db: Db,
  orgId: string,
  filter: PeopleFilter,
  page: { limit: number; after: readonly [string, string, string] | null },
  now: Date,
): Promise<PersonView[]> {
  let query = people(db, now).where('p.org_id', '=', orgId);
  if (filter.resourceId !== undefined) query = query.where('p.resource_id', '=', filter.resourceId);
  if (filter.accessStatus !== undefined) query = query.where(accessStatusExpression('p', 'latest'), '=', filter.accessStatus);
  const q = filter.q?.trim().toLowerCase();
  if (q !== undefined && q !== '') {
    // Prefix search (type-ahead) on last name, full name ("first last") or email: each has a
    // pattern-ops index (migration 0002), so a search is index range scans, not a table scan.
    const pattern = startingWith(q);
    query = query.where((eb) =>
      eb.or([
        eb(sql<string>`lower(p.last_name)`, 'like', pattern),
        eb(sql<string>`lower(p.first_name || ' ' || p.last_name)`, 'like', pattern),
        eb('p.email', 'like', pattern),
      ]),
    );
  }
  if (page.after !== null) {
    const [lastName, firstName, id] = page.after;
    query = query.where((eb) => eb(eb.refTuple('p.last_name', 'p.first_name', 'p.id'), '>', eb.tuple(lastName, firstName, id)));
  }
  return query.orderBy('p.last_name').orderBy('p.first_name').orderBy('p.id').limit(page.limit + 1).execute();
}
