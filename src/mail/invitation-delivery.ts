/**
 * What delivery does to an invitation. The dispatcher calls these in the transaction that
 * records the outbox result, so the outbox row, the invitation and its event change together.
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
 */
import type { Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { appendEvent, appendEvents, SYSTEM_ACTOR } from '../events/event.repository.js';

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
  const updated = await trx
    .updateTable('invitations')
    .set((eb) => ({
      status: 'sent',
      sent_at: eb.fn.coalesce('sent_at', eb.val(at)),
      last_sent_at: at,
      updated_at: at,
    }))
    .where('id', 'in', [...first.keys()])
    .where('status', '=', 'pending')
    .returning(['id', 'org_id'])
    .execute();
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
  const updated = await trx
    .updateTable('invitations')
    .set({ status: 'failed', failed_at: email.at, updated_at: email.at })
    .where('id', '=', email.invitationId)
    .where('status', 'in', ['pending', 'sent'])
    .returning(['org_id'])
    .executeTakeFirst();
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
