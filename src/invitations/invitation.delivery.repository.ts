/**
 * The invitation writes of delivery and tracking: sent, delivery failed, opened. Called by the
 * transitions in invitation.delivery.ts, in the transaction that records the outbox result.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB, InvitationStatus } from '../db/schema.js';
import { claimStillHeld, type Fence } from '../outbox/outbox.repository.js';

/**
 * `pending` invitations become `sent`: `sent_at` keeps the first delivery, `last_sent_at` the
 * latest. Returns the invitations that moved.
 */
export async function setInvitationsSent(trx: Transaction<DB>, invitationIds: readonly string[], at: Date): Promise<{ id: string; org_id: string }[]> {
  if (invitationIds.length === 0) return [];
  return trx
    .updateTable('invitations')
    .set((eb) => ({
      status: 'sent',
      sent_at: eb.fn.coalesce('sent_at', eb.val(at)),
      last_sent_at: at,
      updated_at: at,
    }))
    .where('id', 'in', invitationIds)
    .where('status', '=', 'pending')
    .returning(['id', 'org_id'])
    .execute();
}

/** A `pending` or `sent` invitation becomes `failed`; returns its org when it moved. */
export async function setInvitationDeliveryFailed(trx: Transaction<DB>, invitationId: string, at: Date): Promise<{ org_id: string } | undefined> {
  return trx
    .updateTable('invitations')
    .set({ status: 'failed', failed_at: at, updated_at: at })
    .where('id', '=', invitationId)
    .where('status', 'in', ['pending', 'sent'])
    .returning(['org_id'])
    .executeTakeFirst();
}

/**
 * Records an open of `trackingId` at `now` when the org tracks opens and the invitation is
 * live, delivered (`sent`, `opened`, `clicked`), not yet expired, and not opened since
 * `quietSince`: `sent` → `opened`, `opened_at` keeps the first open, `last_opened_at` the latest.
 */
export async function setInvitationOpened(
  trx: Transaction<DB>,
  trackingId: string,
  now: Date,
  quietSince: Date,
): Promise<{ id: string; org_id: string; opened_at: Date | null } | undefined> {
  return trx
    .updateTable('invitations')
    .set((eb) => ({
      status: eb.case().when('status', '=', 'sent').then(eb.val<InvitationStatus>('opened')).else(eb.ref('status')).end(),
      opened_at: eb.fn.coalesce('opened_at', eb.val(now)),
      last_opened_at: now,
    }))
    .where('tracking_id', '=', trackingId)
    .where('status', 'in', ['sent', 'opened', 'clicked'])
    .where('expires_at', '>', now)
    .where((eb) => eb.or([eb('last_opened_at', 'is', null), eb('last_opened_at', '<=', quietSince)]))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('orgs')
          .select(sql.lit(1).as('one'))
          .whereRef('orgs.id', '=', 'invitations.org_id')
          .where('orgs.open_tracking', '=', true),
      ),
    )
    .returning(['id', 'org_id', 'opened_at'])
    .executeTakeFirst();
}

/**
 * The invitation's status, and whether the dispatcher's claim `fence` on its email still holds
 * (one round trip: this runs before every invitation email leaves). Undefined when the
 * invitation is gone.
 */
export async function findDeliveryState(
  db: Kysely<DB>,
  invitationId: string,
  fence: Fence,
): Promise<{ status: InvitationStatus; stillQueued: boolean } | undefined> {
  const found = await db
    .selectFrom('invitations')
    .select(['status', claimStillHeld(fence).as('stillQueued')])
    .where('id', '=', invitationId)
    .executeTakeFirst();
  return found === undefined ? undefined : { status: found.status, stillQueued: found.stillQueued };
}
