/**
 * What other features do with mail, registered once by buildApp: per template, a last look
 * before an email leaves (`beforeSend`) and what follows when the mail server accepted it
 * (`afterSent`, in batches) or it failed for good (`afterFailed`); and what an open of the
 * tracking pixel means (`opened`). Mail calls them and knows nothing of what they change: the
 * invitation lifecycle registers the invitation email's hooks.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../context.js';
import type { DB, JsonObject } from '../db/schema.js';
import type { EmailTemplateName } from './outbox.js';

/** An email the dispatcher holds, as its template's hooks see it. */
export interface HookedEmail {
  outboxId: string;
  /** The claim this dispatcher holds on the row (fencing: a newer claim or a cancel ends it). */
  attempts: number;
  messageId: string;
  invitationId: string | null;
  /** The template's data as stored (JSON written by this or an older version: read it defensively). */
  data: JsonObject;
}

export interface TemplateHooks {
  /**
   * Runs just before the email is handed to the transport: a reason not to send (the email is
   * then failed for good with that reason), or null to send.
   */
  beforeSend?(email: HookedEmail): Promise<string | null>;
  /** In the transaction that records these emails sent (all at `at`). */
  afterSent?(trx: Transaction<DB>, emails: readonly HookedEmail[], at: Date): Promise<void>;
  /** In the transaction that records this email failed for good. */
  afterFailed?(trx: Transaction<DB>, email: HookedEmail, failure: { at: Date; reason: string; attempts: number }): Promise<void>;
}

export interface MailHooks {
  templates: Partial<Record<EmailTemplateName, TemplateHooks>>;
  /** An open of the tracking pixel `trackingId`; true when it was recorded. */
  opened?(trackingId: string): Promise<boolean>;
}

/** The app context as mail needs it: with the hooks buildApp registered. */
export interface MailContext extends AppContext {
  readonly mailHooks: MailHooks;
}
