/**
 * The invitation list: an org's invitations newest first, keyset-paginated on
 * (created_at, id) at PostgreSQL's microsecond precision, so a row written by SQL (not by the
 * app's millisecond clock) is never skipped or repeated.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB, InvitationStatus } from '../db/schema.js';
import { PRESENTED_COLUMNS, type PresentedInvitationRow } from './invitation.presenter.js';

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

/** A list position: the created_at of the last row seen, in microseconds since the epoch (decimal text), and its id. */
export interface InvitationListPosition {
  micros: string;
  id: string;
}

export type InvitationListRow = PresentedInvitationRow & { created_micros: string };

/** Up to `limit` invitations of the org after `after`, newest first, each with its position's micros. */
export async function listInvitationRows(
  db: Db,
  orgId: string,
  filter: InvitationListFilter,
  page: { now: Date; after: InvitationListPosition | null; limit: number },
): Promise<InvitationListRow[]> {
  let q = db
    .selectFrom('invitations')
    .select(PRESENTED_COLUMNS)
    .select(sql<string>`(extract(epoch from created_at) * 1000000)::bigint::text`.as('created_micros'))
    .where('org_id', '=', orgId);
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
  const after = page.after;
  if (after !== null) {
    q = q.where(
      (eb) => eb.refTuple('created_at', 'id'),
      '<',
      (eb) => eb.tuple(sql<Date>`timestamptz 'epoch' + ${after.micros}::bigint * interval '1 microsecond'`, eb.val(after.id)),
    );
  }
  // A page is the hottest read: a prepared statement (one per combination of filters).
  return (await db.executeQuery(prepared(q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit)))).rows;
}
