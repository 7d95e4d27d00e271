/**
 * The one place that writes and deletes `outbox` rows. Rows are queued (`enqueueOutbox`) in the
 * transaction of the change that causes them, go through their delivery — claim (a lease), then
 * exactly one of sent, retry later, failed for good — and are found and cancelled by typed
 * selectors (`cancelPending`), never by SQL of the caller's own.
 *
 * Leases: claiming a row pushes its `next_attempt_at` (and `lease_until`) to the end of the
 * lease and counts the attempt, in one statement under `FOR UPDATE SKIP LOCKED`, so two
 * dispatchers never claim one row, and a row whose claimer died is simply due again when its
 * lease runs out. Recording a result is fenced on the claimed `attempts`: a claimer whose lease
 * ran out and whose row was claimed again records nothing.
 */
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB, JsonObject, OutboxKind, OutboxRow } from '../db/schema.js';

type Executor = Kysely<DB> | Transaction<DB>;

/**
 * `next_attempt_at` of a parked row: written now (with its content) and released later
 * (`releaseParked`). The dispatcher only claims rows due by now, so it never sends a parked one.
 */
export const PARKED_AT = new Date('9999-01-01T00:00:00.000Z');

/** A row to queue. `topic` names what it is about within its kind (an email's template). */
export interface NewOutboxRow {
  kind: OutboxKind;
  topic: string | null;
  org_id: string | null;
  invitation_id: string | null;
  webhook_endpoint_id?: string | null;
  /** Stable across retries (the email's Message-ID, the webhook-id). */
  message_id: string;
  /** JSON text of the payload. */
  payload: string;
  /** When it is due; `PARKED_AT` parks it. */
  next_attempt_at: Date;
}

/** Column types of a queued row, for statements that write rows from a parameter list. */
export const OUTBOX_INSERT_COLUMNS = {
  kind: 'text',
  topic: 'text',
  org_id: 'uuid',
  invitation_id: 'uuid',
  webhook_endpoint_id: 'uuid',
  message_id: 'text',
  payload: 'jsonb',
  next_attempt_at: 'timestamptz',
} as const satisfies Record<keyof NewOutboxRow, string>;

/** Queues rows in the caller's transaction: a rollback queues nothing. */
export async function enqueueOutbox(trx: Executor, rows: readonly NewOutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  await trx.insertInto('outbox').values(rows.map((row) => ({ webhook_endpoint_id: null, ...row }))).execute();
}

/** Which pending rows: of one kind, about some invitations, optionally of one topic. */
export interface PendingSelector {
  kind: OutboxKind;
  invitationIds: readonly string[];
  topic?: string;
}

/**
 * Deletes the selected pending rows (parked ones included); returns how many. A row a
 * dispatcher holds right now goes too: its fenced result update then records nothing.
 */
export async function cancelPending(trx: Transaction<DB>, selector: PendingSelector): Promise<number> {
  if (selector.invitationIds.length === 0) return 0;
  let query = trx
    .deleteFrom('outbox')
    .where('invitation_id', 'in', selector.invitationIds)
    .where('kind', '=', selector.kind)
    .where('status', '=', 'pending');
  if (selector.topic !== undefined) query = query.where('topic', '=', selector.topic);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The parked row of an invitation (locked until the transaction ends), if there is one. */
export async function findParked(
  trx: Transaction<DB>,
  selector: { kind: OutboxKind; invitationId: string },
): Promise<Pick<OutboxRow, 'id' | 'payload'> | undefined> {
  return trx
    .selectFrom('outbox')
    .select(['id', 'payload'])
    .where('invitation_id', '=', selector.invitationId)
    .where('kind', '=', selector.kind)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '=', PARKED_AT)
    .forUpdate()
    .executeTakeFirst();
}

/** Releases a parked row with refreshed content: the dispatcher sends it from `now`. */
export async function releaseParked(trx: Transaction<DB>, outboxId: string, payload: object, now: Date): Promise<void> {
  await trx
    .updateTable('outbox')
    .set({ payload: JSON.stringify(payload), next_attempt_at: now })
    .where('id', '=', outboxId)
    .execute();
}

/** True (in a query) while the claim `fence` still holds its row: not cancelled, not claimed again. */
export function claimStillHeld(fence: Fence): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from outbox where id = ${fence.id} and attempts = ${fence.attempts})`;
}

export interface ClaimOptions {
  now: Date;
  limit: number;
  leaseMs: number;
  /** Only rows of these kinds (the kinds someone can deliver). */
  kinds: readonly OutboxKind[];
}

/** Claims up to `limit` due rows, oldest due first; each comes back with `attempts` already counted. */
export async function claimDueOutbox(db: Kysely<DB>, options: ClaimOptions): Promise<OutboxRow[]> {
  if (options.kinds.length === 0) return [];
  const leaseUntil = new Date(options.now.getTime() + options.leaseMs);
  // MATERIALIZED keeps the locking subquery a single evaluation (PostgreSQL could otherwise
  // inline it and re-run it per row, claiming more than `limit` under contention).
  const result = await sql<OutboxRow>`
    with due as materialized (
      select id from outbox
      where status = 'pending' and next_attempt_at <= ${options.now}
        and kind in (${sql.join(options.kinds)})
      order by next_attempt_at
      limit ${options.limit}
      for update skip locked
    )
    update outbox as o
    set attempts = o.attempts + 1, lease_until = ${leaseUntil}, next_attempt_at = ${leaseUntil}
    from due
    where o.id = due.id
    returning o.*`.execute(db);
  return result.rows;
}

export interface Fence {
  id: string;
  attempts: number;
}

export interface AttemptRecord {
  at: Date;
  responseStatus: number | null;
}

/**
 * Marks many claimed rows sent in one statement (each fenced on its own claimed attempts).
 * `keep` replaces each payload with those of its keys and `{ messageId, scrubbed: true }`.
 * Returns the ids of the rows recorded (a superseded claim is fenced off and left out).
 */
export async function recordOutboxSentMany(
  db: Executor,
  rows: readonly Fence[],
  attempt: AttemptRecord & { keep: readonly string[] | null },
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const recorded = await db
    .updateTable('outbox')
    .set((eb) => ({
      status: 'sent',
      sent_at: attempt.at,
      last_attempt_at: attempt.at,
      lease_until: null,
      last_error: null,
      response_status: attempt.responseStatus,
      ...(attempt.keep === null
        ? {}
        : {
            payload: sql<string>`jsonb_build_object(${sql.join([
              ...attempt.keep.map((key) => sql`${sql.lit(key)}, ${eb.ref('payload')} -> ${sql.lit(key)}`),
              sql`'messageId', ${eb.ref('message_id')}, 'scrubbed', true`,
            ])})`,
          }),
    }))
    .where((eb) => eb(eb.refTuple('id', 'attempts'), 'in', rows.map((row) => eb.tuple(row.id, row.attempts))))
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  return new Set(recorded.map((row) => row.id));
}

export async function recordOutboxRetry(
  db: Executor,
  row: Fence,
  attempt: AttemptRecord & { error: string; nextAttemptAt: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({
      next_attempt_at: attempt.nextAttemptAt,
      last_attempt_at: attempt.at,
      lease_until: null,
      last_error: attempt.error,
      response_status: attempt.responseStatus,
    })
    .where('id', '=', row.id)
    .where('attempts', '=', row.attempts)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function recordOutboxFailed(
  db: Executor,
  row: Fence,
  attempt: AttemptRecord & { error: string; payload: JsonObject | null },
): Promise<boolean> {
  const result = await db
    .updateTable('outbox')
    .set({
      status: 'failed',
      last_attempt_at: attempt.at,
      lease_until: null,
      last_error: attempt.error,
      response_status: attempt.responseStatus,
      ...(attempt.payload === null ? {} : { payload: JSON.stringify(attempt.payload) }),
    })
    .where('id', '=', row.id)
    .where('attempts', '=', row.attempts)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** What a done row's payload keeps of `payload` (see recordOutboxSentMany). */
export function scrubbedPayload(row: Pick<OutboxRow, 'payload' | 'message_id'>, keep: readonly string[]): JsonObject {
  return { ...Object.fromEntries(keep.map((key) => [key, row.payload[key] ?? null])), messageId: row.message_id, scrubbed: true };
}

/** Pending rows by kind (the outbox depth gauge). */
export async function countPendingOutbox(db: Kysely<DB>): Promise<{ kind: string; count: number }[]> {
  const rows = await db
    .selectFrom('outbox')
    .select(['kind', (eb) => eb.fn.countAll<string>().as('count')])
    .where('status', '=', 'pending')
    .groupBy('kind')
    .execute();
  return rows.map((row) => ({ kind: row.kind, count: Number(row.count) }));
}

/**
 * Deletes delivered and failed rows created before `before` (the retention of the delivery
 * log). Pending rows are never deleted, however old.
 */
export async function pruneOutbox(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('outbox').where('status', 'in', ['sent', 'failed']).where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Reclaims the outbox's dead rows (every claim and record leaves one), for a database without autovacuum. */
export async function vacuumOutbox(db: Kysely<DB>): Promise<void> {
  await sql`vacuum outbox`.execute(db);
}
