/**
 * Delivery metrics in the app's Prometheus registry: outbox depth (pending rows by kind,
 * counted at scrape time) and delivery outcomes (sent, retried, failed) by kind.
 */
import type { Kysely } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DB, OutboxKind } from '../db/schema.js';
import { countPendingOutbox } from './outbox.repository.js';

export type DeliveryOutcome = 'sent' | 'retried' | 'failed';

export interface MailMetrics {
  recordOutcome(kind: OutboxKind, outcome: DeliveryOutcome, seconds: number): void;
}

// One set per registry: several dispatchers (tests, a worker and a bench) share an app's registry.
const byRegistry = new WeakMap<Registry, MailMetrics>();

export function mailMetrics(registry: Registry, db: Kysely<DB>): MailMetrics {
  const existing = byRegistry.get(registry);
  if (existing !== undefined) return existing;
  new Gauge({
    name: 'gatehouse_outbox_depth',
    help: 'Outbox rows waiting to be delivered (pending), by kind',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      this.reset();
      this.set({ kind: 'email' }, 0);
      this.set({ kind: 'webhook' }, 0);
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
  const metrics: MailMetrics = {
    recordOutcome(kind, outcome, seconds) {
      deliveries.inc({ kind, outcome });
      duration.observe({ kind }, seconds);
    },
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
