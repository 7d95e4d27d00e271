/**
 * The outbox dispatcher: claims due rows, delivers them (emails through a MailTransport,
 * webhooks by signed HTTP POST), and records each result. SPEC rule 16.
 *
 * Guarantees, and what they rest on:
 * - A rollback sends nothing: rows are written in the caller's transaction and only committed
 *   rows can be claimed.
 * - Several dispatchers (threads of one process or many instances on one PostgreSQL) never
 *   claim one row together: claimDueOutbox locks with FOR UPDATE SKIP LOCKED and leases.
 * - A crash loses nothing: a claimed row that was never recorded is due again when its lease
 *   runs out. The price is at-least-once delivery: a dispatcher that dies after the server
 *   accepted a message and before recording it causes one duplicate, which carries the same
 *   Message-ID (email) or webhook-id (webhook) so receivers can drop it.
 * - Retries back off exponentially with jitter; after `maxAttempts` (default 8, spread over
 *   about a day) or at once on a permanent failure (SMTP 5xx), the row is `failed`.
 * - Once an email is sent or failed for good, its payload keeps only `to`, `template` and
 *   `messageId`: the link (and so the invitation token) is not kept at rest.
 */
import type { AppContext } from '../context.js';
import type { JsonObject, OutboxRow } from '../db/schema.js';
import { deliverWebhook } from '../webhooks/delivery.js';
import { markInvitationDeliveryFailed, markInvitationsSent } from './invitation-delivery.js';
import { mailMetrics } from './metrics.js';
import type { EmailContent, EmailPayload } from './outbox.js';
import { type AttemptRecord, claimDueOutbox, recordOutboxFailed, recordOutboxRetry, recordOutboxSentMany } from './outbox.repository.js';
import { renderEmail } from './templates/index.js';
import { classifyFailure, DeliveryError, type MailTransport, parseMailFrom, type SendResult, truncate } from './transport.js';

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
  webhookTimeoutMs?: number;
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
  webhookTimeoutMs: 10_000,
} satisfies Required<DispatchOptions>;

type Settings = Required<DispatchOptions>;

type Failure = { kind: 'failure'; permanent: boolean; error: string; responseStatus: number | null };
type Outcome = { kind: 'sent'; responseStatus: number | null } | Failure;

/** Claims one batch of due rows and delivers it. Tests call this directly, with a ManualClock. */
export async function dispatchOnce(ctx: AppContext, transport: MailTransport, options: DispatchOptions = {}): Promise<DispatchResult> {
  const settings: Settings = { ...DEFAULTS, ...options };
  const rows = await claimDueOutbox(ctx.db, { now: ctx.clock.now(), limit: settings.batchSize, leaseMs: settings.leaseMs });
  const result: DispatchResult = { claimed: rows.length, sent: 0, retried: 0, failed: 0 };
  const recorder = new Recorder(ctx, settings, result);
  let next = 0;
  const lane = async () => {
    for (let row = rows[next++]; row !== undefined; row = rows[next++]) {
      const started = performance.now();
      recorder.add({ row, outcome: await attempt(ctx, transport, settings, row), started });
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, rows.length) }, lane));
  await recorder.finish();
  return result;
}

async function attempt(
  ctx: AppContext,
  transport: MailTransport,
  settings: Settings,
  row: OutboxRow,
): Promise<Outcome> {
  if (row.attempts > settings.maxAttempts) {
    // Claimed again after a crash on its last attempt: give up rather than send forever.
    return { kind: 'failure', permanent: true, error: 'gave up: the last attempt was interrupted', responseStatus: null };
  }
  try {
    const sent = await deliver(ctx, transport, settings, row);
    return { kind: 'sent', responseStatus: sent.responseStatus };
  } catch (error) {
    const verdict = classifyFailure(error);
    ctx.log.warn(
      { outboxId: row.id, kind: row.kind, attempts: row.attempts, permanent: verdict.permanent, error: verdict.message },
      'delivery attempt failed',
    );
    return { kind: 'failure', permanent: verdict.permanent, error: verdict.message, responseStatus: verdict.responseStatus };
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
 * writes keep the SMTP connections busy. Plain successes share one
 * UPDATE; invitation emails and failures are recorded row by row, each in its own
 * transaction with its invitation change and event. Writes are serial, which also suits
 * PGlite's single connection. A crash loses only the group being written: those rows are
 * sent again when their lease runs out (the documented at-least-once duplicate).
 */
class Recorder {
  #queue: Finished[] = [];
  #flushing: Promise<void> | null = null;
  #error: Error | null = null;

  constructor(
    private readonly ctx: AppContext,
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
    const at = this.ctx.clock.now();
    const sent = new Map<string, Finished[]>();
    const single: (Finished & { outcome: Failure })[] = [];
    for (const item of items) {
      if (item.outcome.kind === 'sent') {
        const key = String(item.outcome.responseStatus);
        sent.set(key, [...(sent.get(key) ?? []), item]);
      } else {
        single.push({ ...item, outcome: item.outcome });
      }
    }
    for (const group of sent.values()) {
      const first = group[0];
      if (first?.outcome.kind !== 'sent') continue;
      const recorded = await recordSent(this.ctx, group, { at, responseStatus: first.outcome.responseStatus });
      this.result.sent += recorded.size;
      for (const item of group) if (recorded.has(item.row.id)) this.#observe(item, 'sent');
    }
    for (const item of single) {
      const recorded = await record(this.ctx, this.settings, item.row, item.outcome, at);
      if (recorded === null) continue;
      this.result[recorded] += 1;
      this.#observe(item, recorded);
    }
  }

  #observe(item: Finished, outcome: 'sent' | 'retried' | 'failed'): void {
    mailMetrics(this.ctx.metrics.registry, this.ctx.db).recordOutcome(item.row.kind, outcome, (performance.now() - item.started) / 1000);
  }
}

async function deliver(
  ctx: AppContext,
  transport: MailTransport,
  settings: Settings,
  row: OutboxRow,
): Promise<SendResult> {
  if (row.kind === 'webhook') {
    return deliverWebhook(ctx.db, row, ctx.clock.now(), {
      allowPrivate: ctx.config.webhookAllowPrivate,
      timeoutMs: settings.webhookTimeoutMs,
    });
  }
  const email = parseEmailPayload(row.payload);
  if (email === null) throw new DeliveryError('the outbox payload is not an email this version can render', true);
  if (email.template === 'invitation' && row.invitation_id !== null) await assertLinkStillLive(ctx, row, row.invitation_id);
  const rendered = renderEmail(email);
  const defaultFrom = parseMailFrom(ctx.config.mailFrom);
  const senderName = email.senderName?.trim() ?? '';
  return transport.send({
    messageId: row.message_id,
    from: { name: senderName === '' ? defaultFrom.name : senderName, address: defaultFrom.address },
    replyTo: email.replyTo === null || email.replyTo.trim() === '' ? null : email.replyTo.trim(),
    to: email.to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    outboxId: row.id,
  });
}

/**
 * The last look before an invitation email goes out. A link to a dead invitation helps nobody,
 * and neither does one whose token was rotated after this row was claimed: a resend or an email
 * correction deletes the unsent email (cancelQueuedInvitationEmails), but a dispatcher that
 * claimed it a moment earlier still holds it. Only the few milliseconds between this check and
 * the SMTP hand-off remain, where the old email can still leave (its link then answers 410).
 */
async function assertLinkStillLive(ctx: AppContext, row: OutboxRow, invitationId: string): Promise<void> {
  const found = await ctx.db
    .selectFrom('invitations')
    .select((eb) => [
      'status',
      eb
        .exists(eb.selectFrom('outbox').select('id').where('id', '=', row.id).where('attempts', '=', row.attempts))
        .as('stillQueued'),
    ])
    .where('id', '=', invitationId)
    .executeTakeFirst();
  if (found === undefined || ['accepted', 'declined', 'revoked', 'expired'].includes(found.status)) {
    throw new DeliveryError(`not sent: the invitation is ${found?.status ?? 'deleted'}`, true);
  }
  if (!found.stillQueued) throw new DeliveryError('not sent: superseded by a newer email (resend or correction)', true);
}

const TEMPLATES: readonly string[] = ['invitation', 'renewal_request', 'verify_email', 'password_reset'];

type ParsedEmail = EmailContent & Omit<EmailPayload, 'template' | 'data'>;

function isParsedEmail(payload: JsonObject): payload is JsonObject & ParsedEmail {
  return (
    typeof payload.to === 'string' &&
    typeof payload.template === 'string' &&
    TEMPLATES.includes(payload.template) &&
    typeof payload.data === 'object' &&
    payload.data !== null &&
    !Array.isArray(payload.data)
  );
}

/** The stored email, or null when the payload was scrubbed or is not one this version knows. */
export function parseEmailPayload(payload: JsonObject): ParsedEmail | null {
  if (!isParsedEmail(payload)) return null;
  return {
    ...payload,
    senderName: typeof payload.senderName === 'string' ? payload.senderName : null,
    replyTo: typeof payload.replyTo === 'string' ? payload.replyTo : null,
  };
}

/** What an email's payload keeps once it is done: never the link or anything else in `data`. */
function scrubbed(row: OutboxRow): JsonObject | null {
  if (row.kind !== 'email') return null;
  return {
    to: typeof row.payload.to === 'string' ? row.payload.to : null,
    template: typeof row.payload.template === 'string' ? row.payload.template : null,
    messageId: row.message_id,
    scrubbed: true,
  };
}

function invitationEmail(row: OutboxRow): { invitationId: string; kind: string } | null {
  if (row.kind !== 'email' || row.invitation_id === null || row.payload.template !== 'invitation') return null;
  const data = row.payload.data;
  const kind = typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data.kind === 'string' ? data.kind : 'invitation';
  return { invitationId: row.invitation_id, kind };
}

function jittered(ms: number, random: () => number): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}

/**
 * Records deliveries the server accepted with one reply (`responseStatus`): the outbox rows
 * (fenced, link scrubbed) in one update and, when invitation emails are among them, their
 * invitations `sent` with events, in the same transaction. Returns the ids of the rows
 * recorded (a superseded claim is left out, and changes no invitation).
 */
async function recordSent(ctx: AppContext, items: readonly Finished[], attempt: AttemptRecord): Promise<Set<string>> {
  const fences = items.map(({ row }) => ({ id: row.id, attempts: row.attempts }));
  const invitations = items.flatMap(({ row }) => {
    const invitation = invitationEmail(row);
    return invitation === null ? [] : [{ rowId: row.id, email: { ...invitation, messageId: row.message_id, at: attempt.at } }];
  });
  if (invitations.length === 0) return recordOutboxSentMany(ctx.db, fences, { ...attempt, scrubEmail: true });
  return ctx.db.transaction().execute(async (trx) => {
    const recorded = await recordOutboxSentMany(trx, fences, { ...attempt, scrubEmail: true });
    await markInvitationsSent(trx, invitations.filter(({ rowId }) => recorded.has(rowId)).map(({ email }) => email));
    return recorded;
  });
}

/** Records a failure; returns what was recorded, or null when this claim had been superseded. */
async function record(
  ctx: AppContext,
  settings: Settings,
  row: OutboxRow,
  outcome: Failure,
  at: Date,
): Promise<'retried' | 'failed' | null> {
  const fence = { id: row.id, attempts: row.attempts };
  const invitation = invitationEmail(row);
  const error = truncate(outcome.error);
  if (!outcome.permanent && row.attempts < settings.maxAttempts) {
    const nextAttemptAt = new Date(at.getTime() + jittered(settings.backoffMs(row.attempts), settings.random));
    return (await recordOutboxRetry(ctx.db, fence, { at, responseStatus: outcome.responseStatus, error, nextAttemptAt })) ? 'retried' : null;
  }
  const attempt = { at, responseStatus: outcome.responseStatus, error, payload: scrubbed(row) };
  if (invitation === null) return (await recordOutboxFailed(ctx.db, fence, attempt)) ? 'failed' : null;
  return ctx.db.transaction().execute(async (trx) => {
    if (!(await recordOutboxFailed(trx, fence, attempt))) return null;
    await markInvitationDeliveryFailed(trx, { ...invitation, messageId: row.message_id, at, reason: error, attempts: row.attempts });
    return 'failed';
  });
}
