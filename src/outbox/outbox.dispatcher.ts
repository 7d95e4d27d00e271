/**
 * The outbox dispatcher: claims due rows, hands each to the deliverer of its kind (email,
 * webhook), and records each result. It knows no kind of its own: mail and webhooks register
 * deliverers (see deliverer.ts).
 *
 * Guarantees, and what they rest on:
 * - A rollback sends nothing: rows are written in the caller's transaction and only committed
 *   rows can be claimed.
 * - Several dispatchers (threads of one process or many instances on one PostgreSQL) never
 *   claim one row together: claimDueOutbox locks with FOR UPDATE SKIP LOCKED and leases.
 * - A crash loses nothing: a claimed row that was never recorded is due again when its lease
 *   runs out. The price is at-least-once delivery: a dispatcher that dies after the receiver
 *   accepted a message and before recording it causes one duplicate, which carries the same
 *   message id (Message-ID, webhook-id) so receivers can drop it.
 * - Retries back off exponentially with jitter; after `maxAttempts` (default 8, spread over
 *   about a day) or at once on a permanent failure, the row is `failed`.
 * - Once a row is sent or failed for good, its payload keeps only what its deliverer names
 *   (`keepOnDone`): an email's link (and so an invitation token) is not kept at rest.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB, OutboxKind, OutboxRow } from '../db/schema.js';
import { defaultVerdict, type Deliverer, type FailureVerdict, truncate } from './deliverer.js';
import type { Outbox } from './outbox.js';
import {
  type AttemptRecord,
  claimDueOutbox,
  recordOutboxFailed,
  recordOutboxRetry,
  recordOutboxSentMany,
  scrubbedPayload,
} from './outbox.repository.js';

/** What the dispatcher needs of the app (the app context has all of it). */
export interface OutboxEnv {
  readonly db: Kysely<DB>;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  readonly outbox: Outbox;
}

export interface DispatchOptions {
  /** Rows claimed per round. */
  batchSize?: number;
  /** Deliveries in flight at once within a round. */
  concurrency?: number;
  /** How long a claim lasts; must exceed the slowest delivery (SMTP timeouts are 10–30 s). */
  leaseMs?: number;
  maxAttempts?: number;
  /** Delay before retry number `attempt` (1 = after the first failure), before jitter. */
  backoffMs?: (attempt: number) => number;
  /** A number in [0, 1) for jitter (tests pin it). */
  random?: () => number;
}

export interface DispatchResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;
const BACKOFF_BASE_MS = 75_000;
const BACKOFF_FACTOR = 3;

/**
 * 75 s × 3^(attempt−1): 1.25 min, 3.75 min, 11 min, 34 min, 1.7 h, 5 h, 15 h — the seven waits
 * between eight attempts add up to about 23 hours (jitter moves each by up to ±20%).
 */
export function defaultBackoffMs(attempt: number): number {
  return BACKOFF_BASE_MS * BACKOFF_FACTOR ** Math.max(0, attempt - 1);
}

const DEFAULTS = {
  batchSize: 50,
  concurrency: 10,
  leaseMs: 2 * 60_000,
  maxAttempts: DEFAULT_MAX_ATTEMPTS,
  backoffMs: defaultBackoffMs,
  random: Math.random,
} satisfies Required<DispatchOptions>;

type Settings = Required<DispatchOptions>;

type Failure = { kind: 'failure' } & FailureVerdict;
type Outcome = { kind: 'sent'; responseStatus: number | null } | Failure;

/**
 * The deliverers of a round: the app's registered ones, with `own` taking the place of a
 * registered one of the same kind (a dispatcher brings its own mail transport).
 */
export function roundDeliverers(env: OutboxEnv, own: readonly Deliverer[]): Map<OutboxKind, Deliverer> {
  const byKind = new Map<OutboxKind, Deliverer>(env.outbox.deliverers.map((deliverer) => [deliverer.kind, deliverer]));
  for (const deliverer of own) byKind.set(deliverer.kind, deliverer);
  return byKind;
}

/**
 * Claims one batch of due rows of the kinds it can deliver, delivers it and records each result.
 * Tests call this directly, with a ManualClock.
 */
export async function dispatchOutbox(env: OutboxEnv, own: readonly Deliverer[], options: DispatchOptions = {}): Promise<DispatchResult> {
  const settings: Settings = { ...DEFAULTS, ...options };
  const deliverers = roundDeliverers(env, own);
  const rows = await claimDueOutbox(env.db, {
    now: env.clock.now(),
    limit: settings.batchSize,
    leaseMs: settings.leaseMs,
    kinds: [...deliverers.keys()],
  });
  const result: DispatchResult = { claimed: rows.length, sent: 0, retried: 0, failed: 0 };
  const recorder = new Recorder(env, deliverers, settings, result);
  let next = 0;
  const lane = async () => {
    for (let row = rows[next++]; row !== undefined; row = rows[next++]) {
      const started = performance.now();
      recorder.add({ row, outcome: await attempt(env, deliverers, settings, row), started });
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, rows.length) }, lane));
  await recorder.finish();
  return result;
}

async function attempt(env: OutboxEnv, deliverers: Map<OutboxKind, Deliverer>, settings: Settings, row: OutboxRow): Promise<Outcome> {
  if (row.attempts > settings.maxAttempts) {
    // Claimed again after a crash on its last attempt: give up rather than send forever.
    return { kind: 'failure', permanent: true, message: 'gave up: the last attempt was interrupted', responseStatus: null };
  }
  const deliverer = deliverers.get(row.kind);
  if (deliverer === undefined) throw new Error(`no outbox deliverer for ${row.kind}`);
  try {
    const sent = await deliverer.deliver(row);
    return { kind: 'sent', responseStatus: sent.responseStatus };
  } catch (error) {
    const verdict = deliverer.classify?.(error) ?? defaultVerdict(error);
    env.log.warn(
      { outboxId: row.id, kind: row.kind, attempts: row.attempts, permanent: verdict.permanent, error: verdict.message },
      'delivery attempt failed',
    );
    return { kind: 'failure', ...verdict };
  }
}

interface Finished {
  row: OutboxRow;
  outcome: Outcome;
  started: number;
}

/** Outcomes written together; a crash between writes loses at most this many records. */
const GROUP_SIZE = 25;

/**
 * Records outcomes in groups of GROUP_SIZE as they come (and the rest when the round ends):
 * while one write is in flight, new outcomes queue up for the next (group commit). Each write
 * is a database round trip, and on PGlite one that blocks the event loop, so few large
 * writes keep the SMTP connections busy. The successes of one kind and one reply share one
 * UPDATE, and the deliverer's own changes for them (invitations moving to `sent`) one call in
 * the same transaction; failures are recorded row by row, each in its own transaction with
 * the deliverer's changes. Writes are serial, which also suits PGlite's single connection. A
 * crash loses only the group being written: those rows are sent again when their lease runs
 * out (the documented at-least-once duplicate).
 */
class Recorder {
  #queue: Finished[] = [];
  #flushing: Promise<void> | null = null;
  #error: Error | null = null;

  constructor(
    private readonly env: OutboxEnv,
    private readonly deliverers: Map<OutboxKind, Deliverer>,
    private readonly settings: Settings,
    private readonly result: DispatchResult,
  ) {}

  add(item: Finished): void {
    this.#queue.push(item);
    if (this.#queue.length >= GROUP_SIZE) this.#flushing ??= this.#drain(GROUP_SIZE);
  }

  async finish(): Promise<void> {
    await this.#flushing;
    this.#flushing = this.#drain(1);
    await this.#flushing;
    if (this.#error !== null) throw this.#error;
  }

  /** Writes while at least `least` outcomes are queued. */
  async #drain(least: number): Promise<void> {
    try {
      while (this.#queue.length >= least && this.#error === null) await this.#write(this.#queue.splice(0));
    } catch (error) {
      this.#error = error instanceof Error ? error : new Error('recording delivery results failed', { cause: error });
    } finally {
      this.#flushing = null;
    }
  }

  async #write(items: Finished[]): Promise<void> {
    const at = this.env.clock.now();
    const sent = new Map<string, { responseStatus: number | null; items: Finished[] }>();
    const single: (Finished & { outcome: Failure })[] = [];
    for (const item of items) {
      if (item.outcome.kind === 'sent') {
        const key = `${item.row.kind} ${String(item.outcome.responseStatus)}`;
        const group = sent.get(key) ?? { responseStatus: item.outcome.responseStatus, items: [] };
        group.items.push(item);
        sent.set(key, group);
      } else {
        single.push({ ...item, outcome: item.outcome });
      }
    }
    for (const group of sent.values()) {
      const recorded = await this.#recordSent(group.items, { at, responseStatus: group.responseStatus });
      this.result.sent += recorded.size;
      for (const item of group.items) if (recorded.has(item.row.id)) this.#observe(item, 'sent');
    }
    for (const item of single) {
      const recorded = await this.#recordFailure(item.row, item.outcome, at);
      if (recorded === null) continue;
      this.result[recorded] += 1;
      this.#observe(item, recorded);
    }
  }

  #observe(item: Finished, outcome: 'sent' | 'retried' | 'failed'): void {
    this.env.outbox.recordOutcome(item.row.kind, outcome, (performance.now() - item.started) / 1000);
  }

  #deliverer(row: OutboxRow): Deliverer {
    const deliverer = this.deliverers.get(row.kind);
    if (deliverer === undefined) throw new Error(`no outbox deliverer for ${row.kind}`);
    return deliverer;
  }

  /**
   * Records deliveries of one kind the receiver accepted with one reply: the outbox rows
   * (fenced, scrubbed) in one update and, when the deliverer wants some of them, its own
   * changes for those in the same transaction. Returns the ids of the rows recorded (a
   * superseded claim is left out, and the deliverer hears nothing of it).
   */
  async #recordSent(items: readonly Finished[], attempt: AttemptRecord): Promise<Set<string>> {
    const first = items[0];
    if (first === undefined) return new Set();
    const deliverer = this.#deliverer(first.row);
    const fences = items.map(({ row }) => ({ id: row.id, attempts: row.attempts }));
    const record = { ...attempt, keep: deliverer.keepOnDone ?? null };
    const onSent = deliverer.onSent;
    const wanted = onSent === undefined ? [] : items.filter(({ row }) => onSent.wants(row)).map(({ row }) => row);
    if (onSent === undefined || wanted.length === 0) return recordOutboxSentMany(this.env.db, fences, record);
    return this.env.db.transaction().execute(async (trx) => {
      const recorded = await recordOutboxSentMany(trx, fences, record);
      const rows = wanted.filter((row) => recorded.has(row.id));
      if (rows.length > 0) await onSent.record(trx, rows, attempt.at);
      return recorded;
    });
  }

  /** Records a failure; returns what was recorded, or null when this claim had been superseded. */
  async #recordFailure(row: OutboxRow, outcome: Failure, at: Date): Promise<'retried' | 'failed' | null> {
    const fence = { id: row.id, attempts: row.attempts };
    const error = truncate(outcome.message);
    const { db } = this.env;
    if (!outcome.permanent && row.attempts < this.settings.maxAttempts) {
      const nextAttemptAt = new Date(at.getTime() + jittered(this.settings.backoffMs(row.attempts), this.settings.random));
      return (await recordOutboxRetry(db, fence, { at, responseStatus: outcome.responseStatus, error, nextAttemptAt })) ? 'retried' : null;
    }
    const deliverer = this.deliverers.get(row.kind);
    const keep = deliverer?.keepOnDone;
    const attempt = { at, responseStatus: outcome.responseStatus, error, payload: keep === undefined ? null : scrubbedPayload(row, keep) };
    const onFailed = deliverer?.onFailed;
    if (onFailed?.wants(row) !== true) return (await recordOutboxFailed(db, fence, attempt)) ? 'failed' : null;
    return db.transaction().execute(async (trx) => {
      if (!(await recordOutboxFailed(trx, fence, attempt))) return null;
      await onFailed.record(trx, row, { at, reason: error, attempts: row.attempts });
      return 'failed';
    });
  }
}

function jittered(ms: number, random: () => number): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}
