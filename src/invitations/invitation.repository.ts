/**
 * Invitation queries. Functions that lock take a Transaction: the lock lives until it ends.
 */
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { builtInRole } from '../auth/permissions.js';
import type { Insertable, Updateable } from 'kysely';
import { prepared, PREPARED_MARK } from '../db/prepared.js';
import { type ColumnType, rowsSource, StatementParameters } from '../db/rows-source.js';
import type { DB, EventsTable, InvitationRow, InvitationsTable, OrgRow } from '../db/schema.js';
import type { eventValues } from '../events/event.repository.js';
import type { OutboxEmailRow } from '../mail/outbox.js';
import type { WebhookDeliveryRow } from '../webhooks/fanout.js';
import {
  cancelPending,
  findParked,
  OUTBOX_INSERT_COLUMNS,
  PARKED_AT as OUTBOX_PARKED_AT,
  releaseParked,
} from '../outbox/outbox.repository.js';

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

/** Deletes a locked invitation (its events stay). */
export async function deleteInvitation(trx: Transaction<DB>, id: string): Promise<void> {
  await trx.deleteFrom('invitations').where('id', '=', id).execute();
}

/** Whether the invitation has an event of this type after `since`. */
export async function hasEventSince(db: Db, invitationId: string, type: string, since: Date): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('id')
    .where('invitation_id', '=', invitationId)
    .where('type', '=', type)
    .where('occurred_at', '>', since)
    .executeTakeFirst();
  return row !== undefined;
}

/** The names of an org's resources among these ids (ids of no resource of the org are absent). */
export async function findResourceNames(db: Db, orgId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('resources').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** An org's custom roles among these keys. */
export async function findCustomRoles(
  db: Db,
  orgId: string,
  keys: readonly string[],
): Promise<Map<string, { name: string; permissions: string[] }>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('roles').select(['key', 'name', 'permissions']).where('org_id', '=', orgId).where('key', 'in', keys).execute();
  return new Map(rows.map((r) => [r.key, { name: r.name, permissions: r.permissions }]));
}

/** An unrevoked API key of the org (an invitation's inviter, when a key invited). */
export async function findLiveOrgApiKey(
  db: Db,
  orgId: string,
  keyId: string,
): Promise<{ id: string; org_id: string; name: string; permissions: string[] } | undefined> {
  return db
    .selectFrom('api_keys')
    .select(['id', 'org_id', 'name', 'permissions'])
    .where('id', '=', keyId)
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

/**
 * Claims up to `limit` live invitations past their expiry, oldest expiry first, locked and
 * skipping rows another worker holds.
 */
export async function claimOverdue(trx: Transaction<DB>, now: Date, limit: number): Promise<InvitationRow[]> {
  return trx
    .selectFrom('invitations')
    .selectAll()
    .where('status', 'in', ['pending', 'sent', 'opened', 'clicked'])
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/**
 * Claims up to `limit` live invitations whose reminder falls due (the org's days before expiry
 * reached, not yet reminded, a parked reminder waiting), locked and skipping rows another
 * worker holds.
 */
export async function claimDueReminders(trx: Transaction<DB>, now: Date, limit: number): Promise<InvitationRow[]> {
  return trx
    .selectFrom('invitations as i')
    .innerJoin('orgs as o', 'o.id', 'i.org_id')
    .selectAll('i')
    .where('i.status', 'in', ['pending', 'sent', 'opened', 'clicked'])
    .where('i.reminded_at', 'is', null)
    .where('o.reminder_days_before_expiry', '>', 0)
    .where('i.expires_at', '>', now)
    .where(sql<boolean>`i.expires_at - o.reminder_days_before_expiry * interval '1 day' <= ${now}`)
    // Only invitations whose token has a parked reminder (see invitation.email.ts).
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('outbox as b')
          .select('b.id')
          .whereRef('b.invitation_id', '=', 'i.id')
          .where('b.status', '=', 'pending')
          .where('b.next_attempt_at', '=', PARKED_AT),
      ),
    )
    .orderBy('i.expires_at')
    .limit(limit)
    .forUpdate('i')
    .skipLocked()
    .execute();
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
  /** Ids of invitations to the emails still in a live state though their expiry has passed. */
  due: string[];
  /** The org's webhook endpoints (events fan out to those that subscribe to them). */
  webhooks: { id: string; events: string[] }[];
  /** Directory entries named by id or matching one of the emails. */
  people: { id: string; email: string; first_name: string; last_name: string; resource_id: string | null }[];
  /** Accounts with one of the emails, one row per grant they hold in the org (grant fields null when none). */
  accounts: { id: string; email: string; grant_id: string | null; resource_id: string | null }[];
}

/** Every column of an org (named, so the context query can be a prepared statement). */
const ORG_COLUMNS = [
  'id',
  'name',
  'invitation_ttl_days',
  'open_tracking',
  'reminder_days_before_expiry',
  'sender_name',
  'reply_to',
  'invitations_per_hour',
  'auto_renew',
  'trusted',
  'default_app_id',
  'default_return_to',
  'logo_url',
  'logo_digest',
  'brand_color',
  'terms_url',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof OrgRow)[];

/**
 * Everything a create needs to decide, in one round trip: the org, its quota use this window,
 * its webhook endpoints, and the people and accounts the emails name. (A create is the
 * hottest write path; see bench/invitations.js.)
 */
export async function loadCreateContext(
  db: Db,
  orgId: string,
  lookup: { emails: readonly string[]; personIds: readonly string[]; windowStart: Date; now: Date },
): Promise<CreateContext | undefined> {
  const emails = [...lookup.emails];
  const personIds = [...lookup.personIds];
  const query = db
    .selectFrom('orgs as o')
    .select(ORG_COLUMNS.map((column) => `o.${column}` as const))
    .select((eb) => [
      eb
        .selectFrom('invitation_quota_counters as q')
        .select(sql<string>`coalesce(sum(q.count), 0)::text`.as('used'))
        .where('q.org_id', '=', orgId)
        .where('q.window_start', '=', lookup.windowStart)
        .as('quota_used'),
      eb
        .selectFrom('invitations as d')
        .select(sql<string[]>`coalesce(array_agg(d.id), '{}')`.as('due'))
        .where('d.org_id', '=', orgId)
        .where('d.email', '=', eb.fn.any(eb.val(emails)))
        .where('d.status', 'in', ['pending', 'sent', 'opened', 'clicked'])
        .where('d.expires_at', '<=', lookup.now)
        .as('due'),
      jsonArrayFrom(eb.selectFrom('webhook_endpoints as w').select(['w.id', 'w.events']).where('w.org_id', '=', orgId)).as('webhooks'),
      jsonArrayFrom(
        eb
          .selectFrom('people as p')
          .select(['p.id', 'p.email', 'p.first_name', 'p.last_name', 'p.resource_id'])
          .where('p.org_id', '=', orgId)
          .where((w) => w.or([w('p.email', '=', w.fn.any(w.val(emails))), w('p.id', '=', w.fn.any(w.val(personIds)))])),
      ).as('people'),
      jsonArrayFrom(
        eb
          .selectFrom('users as u')
          .leftJoin('grants as g', (join) => join.onRef('g.user_id', '=', 'u.id').on('g.org_id', '=', orgId))
          .select(['u.id', 'u.email', 'g.id as grant_id', 'g.resource_id'])
          .where('u.email', '=', eb.fn.any(eb.val(emails))),
      ).as('accounts'),
    ])
    .where('o.id', '=', orgId);
  // One text whatever the number of emails (arrays, not IN lists): a prepared statement.
  const row = (await db.executeQuery(prepared(query))).rows[0];
  if (row === undefined) return undefined;
  const { quota_used, due, webhooks, people, accounts, ...org } = row;
  return { org, quotaUsed: Number(quota_used ?? 0), due: due ?? [], webhooks, people, accounts };
}

/** Columns a create leaves to their defaults (the state timestamps come with later transitions). */
type LeftToDefaults =
  | 'sent_at'
  | 'opened_at'
  | 'last_opened_at'
  | 'clicked_at'
  | 'accepted_at'
  | 'declined_at'
  | 'revoked_at'
  | 'expired_at'
  | 'failed_at'
  | 'reminded_at'
  | 'last_sent_at'
  | 'resend_count';

/** What a create narrows: a new invitation is pending, has a token, and its times are Dates. */
interface CreateTimeTypes {
  status: 'pending';
  token_hash: string;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
  token_issued_at: Date;
}

/**
 * A new invitation as a create writes it, derived from the table: every column not left to
 * its default, each required (a column added to the table is a column the create must write,
 * or name in LeftToDefaults). The id is chosen here, so its event and emails can name it;
 * `metadata` is JSON text.
 */
export type NewInvitationRow = Omit<AllColumns<InvitationsTable>, LeftToDefaults | keyof CreateTimeTypes> & CreateTimeTypes;

/** Every column of a table's insert, each required and defined (null where the column allows it). */
type AllColumns<T> = { [K in keyof Insertable<T>]-?: Exclude<Insertable<T>[K], undefined> };

const INVITATION_COLUMNS = {
  id: 'uuid',
  org_id: 'uuid',
  resource_id: 'uuid',
  role: 'text',
  email: 'text',
  first_name: 'text',
  last_name: 'text',
  person_id: 'uuid',
  user_id: 'uuid',
  inviter_type: 'text',
  inviter_id: 'uuid',
  inviter_name: 'text',
  message: 'text',
  metadata: 'jsonb',
  status: 'text',
  token_hash: 'text',
  tracking_id: 'text',
  expires_at: 'timestamptz',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  token_issued_at: 'timestamptz',
  app_id: 'uuid',
  return_to: 'text',
} as const satisfies Record<keyof NewInvitationRow, ColumnType>;

/** Every column of an invitation, named (see prepared.ts). */
const INVITATION_RETURNING = Object.keys({
  id: true,
  org_id: true,
  resource_id: true,
  role: true,
  email: true,
  first_name: true,
  last_name: true,
  person_id: true,
  user_id: true,
  inviter_type: true,
  inviter_id: true,
  inviter_name: true,
  message: true,
  metadata: true,
  status: true,
  token_hash: true,
  tracking_id: true,
  expires_at: true,
  created_at: true,
  updated_at: true,
  sent_at: true,
  opened_at: true,
  last_opened_at: true,
  clicked_at: true,
  accepted_at: true,
  declined_at: true,
  revoked_at: true,
  expired_at: true,
  failed_at: true,
  reminded_at: true,
  last_sent_at: true,
  resend_count: true,
  token_issued_at: true,
  app_id: true,
  return_to: true,
} satisfies Record<keyof InvitationRow, true>)
  .map((column) => `"${column}"`)
  .join(', ');

/** An event as the create writes it: the id is chosen here, so its webhook deliveries can name it. */
export type NewEventRow = ReturnType<typeof eventValues> & { id: string };

// Every column of the events table but the one the database numbers: a column added to the
// table must be written here too.
const EVENT_COLUMNS = {
  id: 'uuid',
  type: 'text',
  org_id: 'uuid',
  invitation_id: 'uuid',
  user_id: 'uuid',
  person_id: 'uuid',
  actor_type: 'text',
  actor_id: 'uuid',
  actor_label: 'text',
  actor_app_id: 'uuid',
  data: 'jsonb',
  occurred_at: 'timestamptz',
} as const satisfies Record<Exclude<keyof EventsTable, 'seq'>, ColumnType>;

const OUTBOX_COLUMNS = OUTBOX_INSERT_COLUMNS satisfies Record<keyof OutboxEmailRow | keyof WebhookDeliveryRow, ColumnType>;

export interface NewInvitationsWrite {
  invitations: readonly NewInvitationRow[];
  /** Each of the rows below names its invitation (`invitation_id`) and is written only when that invitation is. */
  events: readonly NewEventRow[];
  emails: readonly OutboxEmailRow[];
  /** The events' deliveries to the org's webhook endpoints. */
  webhooks: readonly WebhookDeliveryRow[];
  /**
   * The hourly quota: the write takes `invitations.length` from the window's counter and is
   * refused whole (nothing written) when that would pass `limit`.
   */
  quota: { orgId: string; windowStart: Date; limit: number };
}

/** What a create statement did: the invitations written, or a refusal by the quota (nothing written). */
export type NewInvitationsResult = { ok: true; rows: InvitationRow[] } | { ok: false; quotaExceeded: true };

/**
 * Writes new invitations with their events, their queued emails, their webhook deliveries and
 * their quota use in ONE statement (data-modifying CTEs): one round trip, and all or nothing
 * without an explicit transaction.
 *
 * The quota is checked and taken in the same statement: a conditional upsert of the window's
 * counter row adds the batch's size only while the window stays within the limit, and the
 * invitations are written only when it did. The upsert locks the counter row, so concurrent
 * creates of one org take their share one after the other and never pass the limit together.
 * A refused write writes nothing (`quotaExceeded`).
 *
 * An invitation that would break a unique index is skipped (`on conflict do nothing`: the
 * partial index `invitations_one_live` settles a race with a concurrent create of the same
 * scope), and so is everything that names it; its share of the quota was taken all the same
 * (the caller gives it back, see releaseQuota).
 */
export async function insertNewInvitations(db: Db, write: NewInvitationsWrite): Promise<NewInvitationsResult> {
  if (write.invitations.length === 0) return { ok: true, rows: [] };
  const parameters = new StatementParameters();
  const orgId = parameters.add(write.quota.orgId, 'uuid');
  const windowStart = parameters.add(write.quota.windowStart, 'timestamptz');
  const wanted = parameters.add(write.invitations.length, 'integer');
  const limit = parameters.add(write.quota.limit, 'integer');
  // Counts written before the counter became one row per org and hour still count.
  const older = `(select coalesce(sum(o.count), 0) from invitation_quota_counters o
      where o.org_id = ${orgId} and o.window_start = ${windowStart} and o.shard <> ${String(QUOTA_SHARD)})`;
  const quota = `quota as (
      insert into invitation_quota_counters (org_id, window_start, shard, count)
      select ${orgId}, ${windowStart}, ${String(QUOTA_SHARD)}, ${wanted} where ${wanted} + ${older} <= ${limit}
      on conflict (org_id, window_start, shard) do update set count = invitation_quota_counters.count + excluded.count
      where invitation_quota_counters.count + excluded.count + ${older} <= ${limit}
      returning count)`;
  const invitations = rowsSource(write.invitations, INVITATION_COLUMNS, parameters);
  const dependents = [
    { table: 'events', rows: write.events, columns: EVENT_COLUMNS },
    { table: 'outbox', rows: write.emails.map((row) => ({ webhook_endpoint_id: null, ...row })), columns: OUTBOX_COLUMNS },
    { table: 'outbox', rows: write.webhooks, columns: OUTBOX_COLUMNS },
  ].flatMap(({ table, rows, columns }, i) => {
    if (rows.length === 0) return [];
    const source = rowsSource<object>(rows, columns, parameters);
    return [
      `written_${String(i)} as (insert into ${table} (${source.columns}) select ${source.values} from ${source.source} join written on written.id = x.invitation_id)`,
    ];
  });
  // A prepared statement (a few shapes: VALUES by row count up to 10, unnest beyond). The
  // answer has a row per invitation written, each saying whether the quota took the batch's
  // share; one row of nulls when nothing was written.
  const text = `${PREPARED_MARK}with ${quota},
    written as (
      insert into invitations (${invitations.columns}) select ${invitations.values} from ${invitations.source}
      where exists (select 1 from quota)
      on conflict do nothing returning ${INVITATION_RETURNING})${dependents.map((d) => `,\n    ${d}`).join('')}
    select q.quota_taken, ${WRITTEN_RETURNING}
    from (select count(*) > 0 as quota_taken from quota) q left join written w on true`;
  type Answer = { quota_taken: boolean } & ({ [K in keyof InvitationRow]: InvitationRow[K] } | { [K in keyof InvitationRow]: null });
  const result = await db.executeQuery<Answer>(CompiledQuery.raw(text, parameters.values));
  if (result.rows[0]?.quota_taken !== true) return { ok: false, quotaExceeded: true };
  const rows: InvitationRow[] = [];
  for (const { quota_taken: _taken, ...row } of result.rows) if (row.id !== null) rows.push(row);
  return { ok: true, rows };
}

const WRITTEN_RETURNING = INVITATION_RETURNING.split(', ')
  .map((column) => `w.${column}`)
  .join(', ');

/**
 * Takes `count` from the org's quota for the hour starting at `windowStart`, atomically; false
 * (and nothing taken) when that would pass `limit`. For a write outside the create statement
 * (an email correction); in a transaction, the counter row stays locked until it ends.
 */
export async function takeQuota(db: Db, quota: { orgId: string; windowStart: Date; limit: number }, count: number): Promise<boolean> {
  const { orgId, windowStart, limit } = quota;
  const older = sql<number>`(select coalesce(sum(o.count), 0) from invitation_quota_counters o
    where o.org_id = ${orgId} and o.window_start = ${windowStart} and o.shard <> ${QUOTA_SHARD})`;
  const taken = await db
    .insertInto('invitation_quota_counters')
    .columns(['org_id', 'window_start', 'shard', 'count'])
    .expression(
      sql`select ${orgId}::uuid, ${windowStart}::timestamptz, ${QUOTA_SHARD}::smallint, ${count}::integer
        where ${count}::integer + ${older} <= ${limit}::integer`,
    )
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'window_start', 'shard'])
        .doUpdateSet({ count: sql<number>`invitation_quota_counters.count + excluded.count` })
        .where(sql<boolean>`invitation_quota_counters.count + excluded.count + ${older} <= ${limit}::integer`),
    )
    .returning('count')
    .executeTakeFirst();
  return taken !== undefined;
}

/** Gives back quota taken for invitations that were not written after all (a lost race). */
export async function releaseQuota(db: Db, quota: { orgId: string; windowStart: Date }, count: number): Promise<void> {
  if (count <= 0) return;
  await db
    .updateTable('invitation_quota_counters')
    .set({ count: sql<number>`greatest(count - ${count}::integer, 0)` })
    .where('org_id', '=', quota.orgId)
    .where('window_start', '=', quota.windowStart)
    .where('shard', '=', QUOTA_SHARD)
    .execute();
}

/**
 * Invitations of an org for these (email, resource) scopes in a live state, locked when
 * `lock` is given. A live state whose expiry has passed is returned too: the caller expires it
 * on the spot (see common/invitation-states.ts `isDue`).
 */
export async function findLiveByScopes(
  db: Db,
  orgId: string,
  scopes: readonly { email: string; resourceId: string | null }[],
  options: { lock?: boolean } = {},
): Promise<InvitationRow[]> {
  if (scopes.length === 0) return [];
  const emails = [...new Set(scopes.map((scope) => scope.email))];
  let query = db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', 'in', emails)
    .where('status', 'in', ['pending', 'sent', 'opened', 'clicked'])
    .orderBy('id');
  if (options.lock === true) query = query.forUpdate();
  const rows = await query.execute();
  const wanted = new Set(scopes.map((scope) => scopeKey(scope.email, scope.resourceId)));
  return rows.filter((row) => wanted.has(scopeKey(row.email, row.resource_id)));
}

/** Locks invitations of an org by id (in id order, so two lockers never deadlock). */
export async function lockInvitations(trx: Transaction<DB>, orgId: string, ids: readonly string[]): Promise<InvitationRow[]> {
  if (ids.length === 0) return [];
  return trx.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).orderBy('id').forUpdate().execute();
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
export const PARKED_AT = OUTBOX_PARKED_AT;

/** Deletes the invitation's unsent invitation emails (parked reminder included); returns how many. */
export async function cancelQueuedInvitationEmails(trx: Transaction<DB>, invitationIds: readonly string[]): Promise<number> {
  // A row a dispatcher holds right now goes too: its fenced result update then records nothing.
  return cancelPending(trx, { kind: 'email', topic: 'invitation', invitationIds });
}

export async function findParkedReminder(
  trx: Transaction<DB>,
  invitationId: string,
): Promise<{ id: string; link: string } | undefined> {
  const row = await findParked(trx, { kind: 'email', invitationId });
  if (row === undefined) return undefined;
  const data = row.payload.data;
  const link = typeof data === 'object' && data !== null && !Array.isArray(data) ? data.link : undefined;
  return { id: row.id, link: typeof link === 'string' ? link : '' };
}

/** Releases a parked reminder with refreshed content: the dispatcher sends it from `now`. */
export async function releaseParkedReminder(trx: Transaction<DB>, outboxId: string, payload: object, now: Date): Promise<void> {
  await releaseParked(trx, outboxId, payload, now);
}

// ---------------------------------------------------------------------------------------------
// The per-org hourly quota: one counter row per org and hour, taken from with a
// conditional upsert (insertNewInvitations, takeQuota), so the check and the use are one step.
// Counters once striped over several rows (shards other than QUOTA_SHARD) are still summed.

export const QUOTA_SHARD = 0;

export async function quotaUsed(db: Db, orgId: string, windowStart: Date): Promise<number> {
  const row = await db
    .selectFrom('invitation_quota_counters')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<string>('count'), sql<string>`0`).as('used'))
    .where('org_id', '=', orgId)
    .where('window_start', '=', windowStart)
    .executeTakeFirstOrThrow();
  return Number(row.used);
}

export async function deleteOldQuotaWindows(db: Db, before: Date): Promise<void> {
  await db.deleteFrom('invitation_quota_counters').where('window_start', '<', before).execute();
}

/** Renames a user on the invitations they sent (account deletion keeps the id, drops the name). */
export async function relabelUserInviter(trx: Transaction<DB>, userId: string, name: string): Promise<void> {
  await trx.updateTable('invitations').set({ inviter_name: name }).where('inviter_type', '=', 'user').where('inviter_id', '=', userId).execute();
}
