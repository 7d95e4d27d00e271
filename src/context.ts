/**
 * What every service needs, built once by buildApp and handed down explicitly (no singletons).
 */
import type { Kysely, Transaction } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Backend } from './db/database.js';
import type { AfterReply } from './http/after-reply.js';
import type { DB } from './db/schema.js';
import type { Outbox } from './outbox/outbox.js';

/** Someone lost access: a grant removed, a resource with its grants deleted, an account deleted. */
export interface AccessRemoval {
  userId: string;
  /** The orgs where access was lost (an event is written in each). */
  orgIds: readonly string[];
  reason: 'grant_removed' | 'resource_deleted' | 'account_deleted';
  /** Who caused it, for the event. */
  actor: { type: 'user' | 'api_key' | 'system'; id: string | null; label: string | null; appId?: string | null };
}

/**
 * What lower layers call when access ends; the OpenID provider registers itself here in buildApp
 * (it revokes the person's sessions and tokens in the same transaction).
 */
export interface AccessHooks {
  removed(trx: Transaction<DB>, removal: AccessRemoval, now: Date): Promise<void>;
}

export interface AppContext {
  readonly config: Config;
  readonly db: Kysely<DB>;
  readonly backend: Backend;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  /** scrypt cost (N); production uses the OWASP figure, tests may lower it to save time. */
  readonly scryptCost: number;
  /** The app's Prometheus registry, so services and workers can add their own metrics. */
  readonly metrics: { readonly registry: Registry };
  /** The app's outbox: its deliverers, delivery metrics and the nudge of its dispatchers. */
  readonly outbox: Outbox;
  /** Work queued to run after a route's answer is sent (answers that must not tell what it finds). */
  readonly afterReply: AfterReply;
  /** Called in the transaction that removes someone's access (docs/rules.md R54). */
  readonly accessHooks: AccessHooks;
}
