/**
 * Outbox rows through their delivery: claim (a lease), then exactly one of sent, retry later,
 * failed for good. Shared by email and webhook deliveries.
 *
 * Leases: claiming a row pushes its `next_attempt_at` (and `lease_until`) to the end of the
 * lease and counts the attempt, in one statement under `FOR UPDATE SKIP LOCKED`, so two
 * dispatchers never claim one row, and a row whose claimer died is simply due again when its
 * lease runs out. Recording a result is fenced on the claimed `attempts`: a claimer whose lease
 * ran out and whose row was claimed again records nothing.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB, JsonObject, OutboxRow } from '../db/schema.js';

export interface ClaimOptions {
  now: Date;
  limit: number;
  leaseMs: number;
}

/** Claims up to `limit` due rows, oldest due first; each comes back with `attempts` already counted. */
export async function claimDueOutbox(db: Kysely<DB>, options: ClaimOptions): Promise<OutboxRow[]> {
  const leaseUntil = new Date(options.now.getTime() + options.leaseMs);
  // MATERIALIZED keeps the locking subquery a single evaluation (PostgreSQL could otherwise
  // inline it and re-run it per row, claiming more than `limit` under contention).
  const result = await sql<OutboxRow>`
    with due as materialized (
      select id from outbox
      where status = 'pending' and next_attempt_at <= ${options.now}
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

type Executor = Kysely<DB> | Transaction<DB>;

interface Fence {
  id: string;
  attempts: number;
}

export interface AttemptRecord {
  at: Date;
  responseStatus: number | null;
}

/**
 * Marks many claimed rows sent in one statement (each fenced on its own claimed attempts).
 * `scrubEmail` replaces an email's payload with `{ to, template, messageId, scrubbed }`.
 * Returns the ids of the rows recorded (a superseded claim is fenced off and left out).
 */
export async function recordOutboxSentMany(
  db: Executor,
  rows: readonly Fence[],
  attempt: AttemptRecord & { scrubEmail: boolean },
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
      ...(attempt.scrubEmail
        ? {
            payload: sql<string>`case when ${eb.ref('kind')} = 'email' then jsonb_build_object('to', ${eb.ref('payload')} -> 'to', 'template', ${eb.ref('payload')} -> 'template', 'messageId', ${eb.ref('message_id')}, 'scrubbed', true) else ${eb.ref('payload')} end`,
          }
        : {}),
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
