/**
 * The invitation list: an org's invitations, newest first unless another sort is asked
 * (docs/rules.md R91), keyset-paginated on the sort's columns and the id; timestamps at
 * PostgreSQL's microsecond precision, so a row written by SQL (not by the app's millisecond
 * clock) is never skipped or repeated.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { afterPosition, orderTerms, resolveSort, type Sort, sortKeySelection, type SortSpec } from '../db/keyset.js';
import { prepared } from '../db/prepared.js';
import type { DB, InvitationStatus } from '../db/schema.js';
import { type InvitationSort, type InvitationSortKey, PRESENTED_COLUMNS, type PresentedInvitationRow } from './invitation.presenter.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface InvitationListFilter {
  /** By the status as of `now`: a live state past its expiry is `expired`, not what is stored. */
  status?: readonly InvitationStatus[] | undefined;
  /** Canonical email. */
  email?: string | undefined;
  personId?: string | undefined;
  resourceId?: string | undefined;
  userId?: string | undefined;
  /** Free text in the email, the invitee's names or the inviter's name. */
  q?: string | undefined;
}

const ID = { sql: sql`id`, part: 'uuid' } as const;

/**
 * The list's sorts, each ending in the id so paging is total; each is served by an index on
 * (org_id, column, id) (migrations 0001 and 0013). Emails are stored canonical (lower case).
 */
const INVITATION_SORTS: SortSpec<InvitationSortKey> = {
  createdAt: [{ sql: sql`created_at`, part: 'micros' }, ID],
  email: [{ sql: sql`email`, part: 'text' }, ID],
  expiresAt: [{ sql: sql`expires_at`, part: 'micros' }, ID],
};

/** The list's sort of this name. */
export function invitationSort(name: InvitationSort): Sort {
  return resolveSort(INVITATION_SORTS, name);
}

export type InvitationListRow = PresentedInvitationRow & { sort_key: string[] };

/** Up to `limit` invitations of the org after the position `after` in the sort's order, each with its sort key. */
export async function listInvitationRows(
  db: Db,
  orgId: string,
  filter: InvitationListFilter,
  page: { now: Date; sort: Sort; after: readonly string[] | null; limit: number },
): Promise<InvitationListRow[]> {
  let q = db.selectFrom('invitations').select(PRESENTED_COLUMNS).select(sortKeySelection(page.sort).as('sort_key')).where('org_id', '=', orgId);
  if (filter.status !== undefined && filter.status.length > 0) {
    const wanted = [...filter.status];
    const live = ['pending', 'sent', 'opened', 'clicked'] as const;
    q = q.where((eb) =>
      eb.or([
        eb.and([eb('status', 'in', wanted), eb.or([eb('status', 'not in', live), eb('expires_at', '>', page.now)])]),
        ...(wanted.includes('expired') ? [eb.and([eb('status', 'in', live), eb('expires_at', '<=', page.now)])] : []),
      ]),
    );
  }
  if (filter.email !== undefined) q = q.where('email', '=', filter.email);
  if (filter.personId !== undefined) q = q.where('person_id', '=', filter.personId);
  if (filter.resourceId !== undefined) q = q.where('resource_id', '=', filter.resourceId);
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.q !== undefined) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb('email', 'ilike', pattern),
        eb('first_name', 'ilike', pattern),
        eb('last_name', 'ilike', pattern),
        eb('inviter_name', 'ilike', pattern),
      ]),
    );
  }
  if (page.after !== null) q = q.where(afterPosition(page.sort, page.after));
  for (const term of orderTerms(page.sort)) q = q.orderBy(term);
  // A page is the hottest read: a prepared statement (one per combination of filters and sort).
  return (await db.executeQuery(prepared(q.limit(page.limit)))).rows;
}
