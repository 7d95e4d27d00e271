/**
 * What delivery and tracking do to an invitation: the transitions `sent`, `delivery failed`
 * and `opened`, and the hooks through which mail reaches them (registered by buildApp; mail
 * knows nothing of invitations). The delivery transitions run in the transaction that records
 * the outbox result, so the outbox row, the invitation and its event change together.
 *
 * Contract for the invitations service (it relies on this; it does not set `sent` itself):
 * - `markInvitationsSent`: after the mail server accepted an invitation email (any kind), a
 *   `pending` invitation becomes `sent`, `sent_at` keeps the first delivery and
 *   `last_sent_at` the latest, and `invitation.sent` is appended. An invitation that is no
 *   longer `pending` is left alone (no event): a resend or reminder to an invitation already
 *   `sent`/`opened`/`clicked` does not move it back, and a revoked one stays revoked.
 *   So a resend that should report `sent` again must set the invitation back to `pending`
 *   when it queues the new email.
 * - `markInvitationDeliveryFailed`: when an invitation email failed for good (5xx, or the
 *   retry cap), an invitation still `pending` or `sent` (no sign the invitee ever got it)
 *   becomes `failed` with `failed_at` and an `invitation.delivery_failed` event. Opened,
 *   clicked and final invitations keep their state: the invitee already has a working link.
 * - `recordInvitationOpen` (open tracking): opens are a weak signal (image proxies prefetch,
 *   clients block images): the console may show them, nothing acts on them. Recorded only when
 *   the org has open tracking on (turning it off also stops recording for emails already
 *   sent) and the invitation is live and delivered: `sent`, `opened` or `clicked`, not yet
 *   expired. An open while still `pending` is ignored: as far as we know the mail server has
 *   not accepted the message yet, so it can only be a race with the dispatcher recording the
 *   send; the next open counts. Each recorded open appends `invitation.opened` (so replaying
 *   events rebuilds both timestamps); opens within an hour of the last recorded one are
 *   ignored, which keeps proxies and repeated views from flooding the log.
 */
import type { Transaction } from 'kysely';
import { HOUR } from '../clock.js';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { appendEvent, appendEvents, SYSTEM_ACTOR } from '../events/event.repository.js';
import type { HookedEmail, MailHooks, TemplateHooks } from '../mail/mail.hooks.js';
import { findDeliveryState, setInvitationDeliveryFailed, setInvitationOpened, setInvitationsSent } from './invitation.delivery.repository.js';
import { FINAL_STATUSES } from '../common/invitation-states.js';

export const OPEN_DEBOUNCE_MS = HOUR;

export interface DeliveredInvitationEmail {
  invitationId: string;
  messageId: string;
  /** The invitation email's kind: invitation, resend or reminder. */
  kind: string;
  at: Date;
}

/**
 * Marks the invitations of delivered emails `sent`, all in one update and one insert of events
 * (the dispatcher records a group of deliveries at once). Emails sent at one time `at` only.
 * Of several emails of one invitation, the first names the event. Returns the ids of the
 * invitations that moved to `sent`.
 */
export async function markInvitationsSent(trx: Transaction<DB>, emails: readonly DeliveredInvitationEmail[]): Promise<Set<string>> {
  const first = new Map<string, DeliveredInvitationEmail>();
  for (const email of emails) if (!first.has(email.invitationId)) first.set(email.invitationId, email);
  const at = emails[0]?.at;
  if (at === undefined) return new Set();
  if (emails.some((email) => email.at.getTime() !== at.getTime())) throw new Error('markInvitationsSent: emails sent at different times');
  const updated = await setInvitationsSent(trx, [...first.keys()], at);
  await appendEvents(
    trx,
    updated.flatMap(({ id, org_id: orgId }) => {
      const email = first.get(id);
      return email === undefined
        ? []
        : [
            {
              type: 'invitation.sent',
              orgId,
              actor: SYSTEM_ACTOR,
              invitationId: id,
              data: { messageId: email.messageId, kind: email.kind },
              occurredAt: at,
            },
          ];
    }),
  );
  return new Set(updated.map((row) => row.id));
}

/** Returns true when the invitation moved to `sent`. */
export async function markInvitationSent(trx: Transaction<DB>, email: DeliveredInvitationEmail): Promise<boolean> {
  return (await markInvitationsSent(trx, [email])).has(email.invitationId);
}

export interface FailedInvitationEmail extends DeliveredInvitationEmail {
  /** Why delivery gave up (the last server reply), for the event and the console. */
  reason: string;
  attempts: number;
}

/** Returns true when the invitation moved to `failed`. */
export async function markInvitationDeliveryFailed(trx: Transaction<DB>, email: FailedInvitationEmail): Promise<boolean> {
  const updated = await setInvitationDeliveryFailed(trx, email.invitationId, email.at);
  if (updated === undefined) return false;
  await appendEvent(trx, {
    type: 'invitation.delivery_failed',
    orgId: updated.org_id,
    actor: SYSTEM_ACTOR,
    invitationId: email.invitationId,
    data: { messageId: email.messageId, kind: email.kind, reason: email.reason, attempts: email.attempts },
    occurredAt: email.at,
  });
  return true;
}

/** Records an open of the tracking pixel `trackingId`; returns true when it was recorded. */
export async function recordInvitationOpen(ctx: AppContext, trackingId: string): Promise<boolean> {
  const now = ctx.clock.now();
  const quietSince = new Date(now.getTime() - OPEN_DEBOUNCE_MS);
  return ctx.db.transaction().execute(async (trx) => {
    const opened = await setInvitationOpened(trx, trackingId, now, quietSince);
    if (opened === undefined) return false;
    await appendEvent(trx, {
      type: 'invitation.opened',
      orgId: opened.org_id,
      actor: SYSTEM_ACTOR,
      invitationId: opened.id,
      data: { first: opened.opened_at?.getTime() === now.getTime() },
      occurredAt: now,
    });
    return true;
  });
}

/**
 * The last look before an invitation email goes out. A link to a dead invitation helps nobody,
 * and neither does one whose token was rotated after this email was claimed: a resend or an
 * email correction cancels the unsent email (cancelQueuedInvitationEmails), but a dispatcher
 * that claimed it a moment earlier still holds it. Only the few milliseconds between this check
 * and the SMTP hand-off remain, where the old email can still leave (its link then answers 410).
 */
export async function invitationEmailRefusal(ctx: AppContext, email: HookedEmail): Promise<string | null> {
  if (email.invitationId === null) return null;
  const found = await findDeliveryState(ctx.db, email.invitationId, { id: email.outboxId, attempts: email.attempts });
  if (found === undefined || FINAL_STATUSES.includes(found.status) || found.status === 'expired') {
    return `not sent: the invitation is ${found?.status ?? 'deleted'}`;
  }
  if (!found.stillQueued) return 'not sent: superseded by a newer email (resend or correction)';
  return null;
}

/** The invitation email's kind (invitation, resend, reminder) as stored in its data. */
function emailKind(email: HookedEmail): string {
  return typeof email.data.kind === 'string' ? email.data.kind : 'invitation';
}

/** The hooks of the invitation email, for mail (wired by buildApp). */
export function invitationEmailHooks(ctx: AppContext): TemplateHooks {
  return {
    beforeSend: (email) => invitationEmailRefusal(ctx, email),
    async afterSent(trx, emails, at) {
      const delivered = emails.flatMap((email) =>
        email.invitationId === null ? [] : [{ invitationId: email.invitationId, messageId: email.messageId, kind: emailKind(email), at }],
      );
      await markInvitationsSent(trx, delivered);
    },
    async afterFailed(trx, email, failure) {
      if (email.invitationId === null) return;
      await markInvitationDeliveryFailed(trx, {
        invitationId: email.invitationId,
        messageId: email.messageId,
        kind: emailKind(email),
        at: failure.at,
        reason: failure.reason,
        attempts: failure.attempts,
      });
    },
  };
}

/** Everything the invitation lifecycle hooks into mail. */
export function invitationMailHooks(ctx: AppContext): MailHooks {
  return {
    templates: { invitation: invitationEmailHooks(ctx) },
    opened: (trackingId) => recordInvitationOpen(ctx, trackingId),
  };
}
