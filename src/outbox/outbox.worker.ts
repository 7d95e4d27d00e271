/**
 * The dispatcher as a background worker: a dispatch round every `pollMs` (1 s), back to back
 * while rounds come back full, and at once when nudged.
 *
 * Nudging: a service that queued rows may call `ctx.outbox.nudge()` AFTER its transaction
 * committed; the dispatchers running on that app wake up instead of waiting for the next poll.
 * It is only a hint: without it the rows still leave within one poll interval, and other
 * instances pick them up on their own poll.
 *
 * Retention: once an hour the worker deletes sent and failed outbox rows older than 30 days
 * (the webhook delivery log reaches back that far); pending rows are never deleted. On
 * PGlite it then vacuums the outbox table.
 */
import { DAY, HOUR } from '../clock.js';
import type { Backend } from '../db/database.js';
import type { Worker } from '../common/worker.js';
import type { Deliverer } from './deliverer.js';
import { type DispatchOptions, dispatchOutbox, type OutboxEnv } from './outbox.dispatcher.js';
import { pruneOutbox, vacuumOutbox } from './outbox.repository.js';

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

/**
 * Runs dispatch rounds with the app's deliverers and `own` until stopped; stopping closes the
 * deliverers this worker brought (`own`), not the app's.
 */
export function startOutboxWorker(
  env: OutboxEnv & { readonly backend: Backend },
  own: readonly Deliverer[],
  options: DispatcherWorkerOptions = {},
): DispatcherWorker {
  const pollMs = options.pollMs ?? 1000;
  const batchSize = options.batchSize ?? 50;
  let stopped = false;
  let nudged = false;
  let wake: (() => void) | null = null;

  const wakeUp = () => {
    nudged = true;
    wake?.();
  };
  const unsubscribe = env.outbox.onNudge(wakeUp);

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
    const now = env.clock.now().getTime();
    if (now - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = now;
    await pruneOutbox(env.db, new Date(now - retentionMs));
    // Embedded PGlite runs no autovacuum: reclaim the outbox's dead rows (every claim and
    // record leaves one) so a long-running instance does not grow without bound.
    if (env.backend === 'pglite') await vacuumOutbox(env.db);
  };

  const loop = async () => {
    while (!stopped) {
      nudged = false;
      let full = false;
      try {
        await prune();
        const result = await dispatchOutbox(env, own, options);
        full = result.claimed >= batchSize;
      } catch (error) {
        // A database outage: log and try again on the next poll.
        env.log.error({ err: error }, 'outbox dispatch round failed');
      }
      if (!full && shouldSleep()) await sleep();
    }
  };
  const running = loop();

  return {
    name: 'outbox-dispatcher',
    nudge: wakeUp,
    async stop() {
      stopped = true;
      unsubscribe();
      wake?.();
      await running;
      await Promise.all(own.map(async (deliverer) => deliverer.close?.()));
    },
  };
}

