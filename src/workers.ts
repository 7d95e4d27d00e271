/**
 * The background work `gatehouse serve` runs beside the HTTP server: the one list of workers.
 * Features declare their workers (common/worker.ts); this composition root lists them, and no
 * worker imports it.
 */
import type { GatehouseContext } from './app.js';
import { invitationMaintenanceWorker } from './invitations/invitation.workers.js';
import { mailDispatcherWorker } from './mail/dispatcher.worker.js';
import type { Worker } from './common/worker.js';

export type { Worker } from './common/worker.js';

export type WorkerFactory = (ctx: GatehouseContext) => Worker;

/** The outbox dispatcher (email and webhooks) and the invitation maintenance (expiry, reminders). */
export const workerFactories: WorkerFactory[] = [mailDispatcherWorker, invitationMaintenanceWorker];
