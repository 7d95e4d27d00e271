/**
 * Invitation queries. Functions that lock take a Transaction: the lock lives until it ends.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { builtInRole } from '../auth/permissions.js';
import type { Updateable } from 'kysely';
import type { DB, InvitationRow, InvitationsTable, OrgRow } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findInvitation(db: Db, orgId: string, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Locks one invitation of an org (SELECT … FOR UPDATE). */
export async function lockInvitation(trx: Transaction<DB>, orgId: string, id: string): Promise<InvitationRow | undefined> {
  return trx
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
}

/** Locks the invitation a token belongs to. A rotated-away token finds nothing. */
export async function lockInvitationByTokenHash(trx: Transaction<DB>, hash: string): Promise<InvitationRow | undefined> {
  return trx.selectFrom('invitations').selectAll().where('token_hash', '=', hash).forUpdate().executeTakeFirst();
}

export async function findInvitationByTokenHash(db: Db, hash: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

/** Writes a change to a locked invitation; `updated_at` is the change's time. */
export async function updateInvitation(
  trx: Transaction<DB>,
  id: string,
  changes: Updateable<InvitationsTable> & { updated_at: Date },
): Promise<InvitationRow> {
  return trx.updateTable('invitations').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export interface EmailContext {
  org: OrgRow;
  resourceName: string | null;
  roleName: string;
}

/** What an invitation email and the invitee page show besides the row: org, resource and role names. */
export async function loadEmailContext(db: Db, row: Pick<InvitationRow, 'org_id' | 'resource_id' | 'role'>): Promise<EmailContext> {
  const org = await db.selectFrom('orgs').selectAll().where('id', '=', row.org_id).executeTakeFirstOrThrow();
  const resource =
    row.resource_id === null
      ? undefined
      : await db.selectFrom('resources').select('name').where('id', '=', row.resource_id).executeTakeFirst();
  return { org, resourceName: resource?.name ?? null, roleName: await roleName(db, row.org_id, row.role) };
}

export async function roleName(db: Db, orgId: string, key: string): Promise<string> {
  const builtIn = builtInRole(key);
  if (builtIn !== undefined) return builtIn.name;
  const custom = await db.selectFrom('roles').select('name').where('org_id', '=', orgId).where('key', '=', key).executeTakeFirst();
  return custom?.name ?? key;
}

export interface CreateContext {
  org: OrgRow;
  /** Invitations counted in the quota window so far. */
  quotaUsed: number;
  /** The org has webhook endpoints (events must fan out to them). */
  hasWebhooks: boolean;
  /** Directory entries named by id or matching one of the emails. */
  people: { id: string; email: string; first_name: string; last_name: string }[];
  /** Accounts with one of the emails, one row per grant they hold in the org (grant fields null when none). */
  accounts: { id: string; email: string; grant_id: string | null; resource_id: string | null }[];
}

/**
 * Everything a create needs to decide, in one round trip: the org, its quota use this window,
 * whether it has webhooks, and the people and accounts the emails name. (A create is the
 * hottest write path; see bench/invitations.js.)
 */
export async function loadCreateContext(
  db: Db,
  orgId: string,
  lookup: { emails: readonly string[]; personIds: readonly string[]; windowStart: Date },
): Promise<CreateContext | undefined> {
  const emails = lookup.emails.length === 0 ? [''] : [...lookup.emails];
  const personIds = [...lookup.personIds];
  const row = await db
    .selectFrom('orgs as o')
    .selectAll('o')
    .select((eb) => [
      eb
        .selectFrom('invitation_quota_counters as q')
        .select(sql<string>`coalesce(sum(q.count), 0)::text`.as('used'))
        .where('q.org_id', '=', orgId)
        .where('q.window_start', '=', lookup.windowStart)
        .as('quota_used'),
      eb.exists(eb.selectFrom('webhook_endpoints as w').select('w.id').where('w.org_id', '=', orgId)).as('has_webhooks'),
      jsonArrayFrom(
        eb
          .selectFrom('people as p')
          .select(['p.id', 'p.email', 'p.first_name', 'p.last_name'])
          .where('p.org_id', '=', orgId)
          .where((w) => w.or([w('p.email', 'in', emails), ...(personIds.length > 0 ? [w('p.id', 'in', personIds)] : [])])),
      ).as('people'),
      jsonArrayFrom(
        eb
          .selectFrom('users as u')
          .leftJoin('grants as g', (join) => join.onRef('g.user_id', '=', 'u.id').on('g.org_id', '=', orgId))
          .select(['u.id', 'u.email', 'g.id as grant_id', 'g.resource_id'])
          .where('u.email', 'in', emails),
      ).as('accounts'),
    ])
    .where('o.id', '=', orgId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const { quota_used, has_webhooks, people, accounts, ...org } = row;
  return { org, quotaUsed: Number(quota_used ?? 0), hasWebhooks: has_webhooks === true || has_webhooks === 1, people, accounts };
}

/** Live invitations of an org for these (email, resource) scopes. */
export async function findLiveByScopes(
  db: Db,
  orgId: string,
  scopes: readonly { email: string; resourceId: string | null }[],
): Promise<InvitationRow[]> {
  if (scopes.length === 0) return [];
  const emails = [...new Set(scopes.map((scope) => scope.email))];
  const rows = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', 'in', emails)
    .where('status', 'in', ['pending', 'sent', 'opened', 'clicked'])
    .execute();
  const wanted = new Set(scopes.map((scope) => scopeKey(scope.email, scope.resourceId)));
  return rows.filter((row) => wanted.has(scopeKey(row.email, row.resource_id)));
}

export function scopeKey(email: string, resourceId: string | null): string {
  return `${email}\u0000${resourceId ?? ''}`;
}

// ---------------------------------------------------------------------------------------------
// Queued invitation emails. An unsent invitation email carries the token in its link, so when
// the token dies (rotation, revoke, accept, decline, expiry, delete) its unsent emails go too.

/**
 * `next_attempt_at` of a parked reminder: an invitation email written with its token at mint
 * time and released by the reminder worker (see invitation.lifecycle.ts `remind`). The
 * dispatcher only claims rows due by now, so it never sends a parked one on its own.
 */
export const PARKED_AT = new Date('9999-01-01T00:00:00.000Z');

/** Deletes the invitation's unsent invitation emails (parked reminder included); returns how many. */
export async function cancelQueuedInvitationEmails(trx: Transaction<DB>, invitationIds: readonly string[]): Promise<number> {
  if (invitationIds.length === 0) return 0;
  const result = await trx
    .deleteFrom('outbox')
    .where('invitation_id', 'in', invitationIds)
    .where('kind', '=', 'email')
    .where('status', '=', 'pending')
    // A row a dispatcher holds right now goes too: its fenced result update then records nothing.
    .where(sql<boolean>`payload->>'template' = 'invitation'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function findParkedReminder(
  trx: Transaction<DB>,
  invitationId: string,
): Promise<{ id: string; link: string } | undefined> {
  const row = await trx
    .selectFrom('outbox')
    .select(['id', sql<string>`payload->'data'->>'link'`.as('link')])
    .where('invitation_id', '=', invitationId)
    .where('kind', '=', 'email')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '=', PARKED_AT)
    .forUpdate()
    .executeTakeFirst();
  return row === undefined ? undefined : { id: row.id, link: row.link };
}

/** Releases a parked reminder with refreshed content: the dispatcher sends it from `now`. */
export async function releaseParkedReminder(trx: Transaction<DB>, outboxId: string, payload: object, now: Date): Promise<void> {
  await trx
    .updateTable('outbox')
    .set({ payload: JSON.stringify(payload), next_attempt_at: now })
    .where('id', '=', outboxId)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// The per-org hourly quota (SPEC rule 17), striped over QUOTA_SHARDS rows per org and hour.

export const QUOTA_SHARDS = 16;

export async function quotaUsed(db: Db, orgId: string, windowStart: Date): Promise<number> {
  const row = await db
    .selectFrom('invitation_quota_counters')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('count'), sql<string>`0`).as('used'))
    .where('org_id', '=', orgId)
    .where('window_start', '=', windowStart)
    .executeTakeFirstOrThrow();
  return Number(row.used);
}

export async function addQuotaUse(trx: Transaction<DB>, orgId: string, windowStart: Date, count: number): Promise<void> {
  if (count === 0) return;
  await trx
    .insertInto('invitation_quota_counters')
    .values({ org_id: orgId, window_start: windowStart, shard: Math.floor(Math.random() * QUOTA_SHARDS), count })
    .onConflict((oc) =>
      oc.columns(['org_id', 'window_start', 'shard']).doUpdateSet((eb) => ({ count: eb('invitation_quota_counters.count', '+', count) })),
    )
    .execute();
}

export async function deleteOldQuotaWindows(db: Db, before: Date): Promise<void> {
  await db.deleteFrom('invitation_quota_counters').where('window_start', '<', before).execute();
}
