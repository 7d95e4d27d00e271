/**
 * The dispatcher as a background worker of `gatehouse serve`: a dispatch round every
 * `pollMs` (1 s), back to back while rounds come back full, and at once when nudged.
 *
 * Nudging: a service that queued mail may call `nudgeDispatcher(ctx)` AFTER its transaction
 * committed; the dispatchers running on that app wake up instead of waiting for the next poll.
 * It is only a hint: without it the mail still leaves within one poll interval, and other
 * instances pick it up on their own poll.
 *
 * Retention: once an hour the worker deletes sent and failed outbox rows older than 30 days
 * (the webhook delivery log reaches back that far); pending rows are never deleted. On
 * PGlite it then vacuums the outbox table.
 */
import { sql } from 'kysely';
import { DAY, HOUR } from '../clock.js';
import type { AppContext } from '../context.js';
import type { Worker } from '../workers.js';
import { type DispatchOptions, dispatchOnce } from './dispatcher.js';
import { mailboxTransport } from './mailbox.transport.js';
import { pruneOutbox } from './outbox.repository.js';
import { smtpTransport } from './smtp.transport.js';
import type { MailTransport } from './transport.js';

export interface DispatcherWorker extends Worker {
  /** Runs a round now (or right after the one in progress). */
  nudge(): void;
}

export interface DispatcherWorkerOptions extends DispatchOptions {
  pollMs?: number;
  /** Delivered and failed outbox rows older than this are deleted (hourly); default 30 days. */
  retentionMs?: number;
}

const PRUNE_EVERY_MS = HOUR;

const listeners = new WeakMap<AppContext, Set<() => void>>();

/** Wakes the dispatchers of this app. Call after commit; calling inside a transaction only wastes a round. */
export function nudgeDispatcher(ctx: AppContext): void {
  for (const wake of listeners.get(ctx) ?? []) wake();
}

/** SMTP when SMTP_URL is set, otherwise the dev mailbox. */
export function createMailTransport(ctx: AppContext): MailTransport {
  return ctx.config.smtpUrl === null ? mailboxTransport(ctx.db, ctx.clock) : smtpTransport({ url: ctx.config.smtpUrl });
}

export function startDispatcher(ctx: AppContext, transport: MailTransport, options: DispatcherWorkerOptions = {}): DispatcherWorker {
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 50;
  let stopped = false;
  let nudged = false;
  let wake: (() => void) | null = null;

  const wakeUp = () => {
    nudged = true;
    wake?.();
  };
  let set = listeners.get(ctx);
  if (set === undefined) {
    set = new Set();
    listeners.set(ctx, set);
  }
  set.add(wakeUp);

  // Read through a function: both flags change while a round is awaited.
  const shouldSleep = () => !stopped && !nudged;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const retentionMs = options.retentionMs ?? 30 * DAY;
  let prunedAt = 0;
  const prune = async () => {
    const now = ctx.clock.now().getTime();
    if (now - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now;
    await pruneOutbox(ctx.db, new Date(now - retentionMs));
    // Embedded PGlite runs no autovacuum: reclaim the outbox's dead rows (every claim and
    // record leaves one) so a long-running instance does not grow without bound.
    if (ctx.backend === 'pglite') await sql`vacuum outbox`.execute(ctx.db);
  };

  const loop = async () => {
    while (!stopped) {
      nudged = false;
      let full = false;
      try {
        await prune();
        const result = await dispatchOnce(ctx, transport, options);
        full = result.claimed >= batchSize;
      } catch (error) {
        // A database outage: log and try again on the next poll.
        ctx.log.error({ err: error }, 'mail dispatch round failed');
      }
      if (!full && shouldSleep()) await sleep();
    }
  };
  const running = loop();

  return {
    name: 'mail-dispatcher',
    nudge: wakeUp,
    async stop() {
      stopped = true;
      set.delete(wakeUp);
      wake?.();
      await running;
      await transport.close();
    },
  };
}

/** The worker `gatehouse serve` runs (listed in workerFactories). */
export function mailDispatcherWorker(ctx: AppContext): DispatcherWorker {
  return startDispatcher(ctx, createMailTransport(ctx));
}
