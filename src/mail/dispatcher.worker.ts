/**
 * The outbox dispatcher `gatehouse serve` runs, with email through SMTP (or the dev mailbox)
 * and the app's other deliverers (webhooks). The loop, its nudge and retention are the outbox
 * engine's (outbox.worker.ts).
 */
import { type DispatcherWorker, type DispatcherWorkerOptions, startOutboxWorker } from '../outbox/outbox.worker.js';
import { mailDeliverer } from './dispatcher.js';
import type { MailContext } from './mail.hooks.js';
import { mailboxTransport } from './mailbox.transport.js';
import { smtpTransport } from './smtp.transport.js';
import type { MailTransport } from './transport.js';

export type { DispatcherWorker, DispatcherWorkerOptions } from '../outbox/outbox.worker.js';

/** SMTP when SMTP_URL is set, otherwise the dev mailbox. */
export function createMailTransport(ctx: MailContext): MailTransport {
  return ctx.config.smtpUrl === null ? mailboxTransport(ctx.db, ctx.clock) : smtpTransport({ url: ctx.config.smtpUrl });
}

/** A dispatcher sending email through `transport` (closed when it stops). */
export function startDispatcher(ctx: MailContext, transport: MailTransport, options: DispatcherWorkerOptions = {}): DispatcherWorker {
  return startOutboxWorker(ctx, [mailDeliverer(ctx, transport)], options);
}

/** The worker `gatehouse serve` runs (listed in workers.ts). */
export function mailDispatcherWorker(ctx: MailContext): DispatcherWorker {
  return startDispatcher(ctx, createMailTransport(ctx));
}
