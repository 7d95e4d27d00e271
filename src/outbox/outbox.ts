/**
 * The outbox of one app: the deliverers registered with it, its delivery metrics and the
 * nudge that wakes its dispatchers. buildApp makes one per app and hangs it on the context
 * (several apps in one process, as in the tests, never share one).
 */
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DB, OutboxKind } from '../db/schema.js';
import type { Deliverer } from './deliverer.js';
import { countPendingOutbox } from './outbox.repository.js';

export type DeliveryOutcome = 'sent' | 'retried' | 'failed';

export const OUTBOX_KINDS: readonly OutboxKind[] = ['email', 'webhook'];

export interface Outbox {
  /** Adds a deliverer every dispatch round of this app uses (a round may bring its own for a kind). */
  register(deliverer: Deliverer): void;
  readonly deliverers: readonly Deliverer[];
  /** Wakes this app's dispatchers. Call after commit; calling inside a transaction only wastes a round. */
  nudge(): void;
  /** Calls `listener` on every nudge until the returned function is called. */
  onNudge(listener: () => void): () => void;
  recordOutcome(kind: OutboxKind, outcome: DeliveryOutcome, seconds: number): void;
}

/**
 * Metrics in the app's Prometheus registry: outbox depth (pending rows by kind, counted at
 * scrape time) and delivery outcomes (sent, retried, failed) by kind.
 */
export function createOutbox(db: Kysely<DB>, registry: Registry): Outbox {
  new Gauge({
    name: 'gatehouse_outbox_depth',
    help: 'Outbox rows waiting to be delivered (pending), by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const kind of OUTBOX_KINDS) this.set({ kind }, 0);
      for (const { kind, count } of await countPendingOutbox(db)) this.set({ kind }, count);
    },
  });
  const deliveries = new Counter({
    name: 'gatehouse_outbox_deliveries_total',
    help: 'Delivery attempts by kind and outcome (sent, retried, failed for good)',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gatehouse_outbox_delivery_duration_seconds',
    help: 'Time to hand one message to the mail server or webhook receiver, by kind',
    labelNames: ['kind'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const deliverers: Deliverer[] = [];
  const listeners = new Set<() => void>();
  return {
    register(deliverer) {
      if (deliverers.some((known) => known.kind === deliverer.kind)) throw new Error(`an outbox deliverer for ${deliverer.kind} is already registered`);
      deliverers.push(deliverer);
    },
    deliverers,
    nudge() {
      for (const listener of listeners) listener();
    },
    onNudge(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    recordOutcome(kind, outcome, seconds) {
      deliveries.inc({ kind, outcome });
      duration.observe({ kind }, seconds);
    },
  };
}
