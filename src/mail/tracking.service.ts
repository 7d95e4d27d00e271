/**
 * Open tracking: the 1×1 pixel of an invitation email (`/t/:trackingId.gif`; the tracking id
 * is opaque and is not the token). Opens are a weak signal (image proxies prefetch, clients
 * block images): the console may show them, nothing acts on them.
 *
 * Rules (docs/rules.md R36):
 * - Recorded only when the org has open tracking on (turning it off also stops recording for
 *   emails already sent) and the invitation is live and delivered: `sent`, `opened` or
 *   `clicked`, not yet expired. An open while still `pending` is ignored: the mail server has
 *   not accepted the message yet as far as we know, so it can only be a race with the
 *   dispatcher recording the send; the next open counts.
 * - `sent` → `opened`; `opened_at` keeps the first open, `last_opened_at` the latest.
 * - Each recorded open appends `invitation.opened` (so replaying events rebuilds both
 *   timestamps); opens within an hour of the last recorded one are ignored, which keeps
 *   proxies and repeated views from flooding the log.
 * - Nothing about the answer depends on any of this (no oracle for tracking ids).
 */
import { sql } from 'kysely';
import { HOUR } from '../clock.js';
import type { AppContext } from '../context.js';
import type { InvitationStatus } from '../db/schema.js';
import { appendEvent, SYSTEM_ACTOR } from '../events/event.repository.js';

export const OPEN_DEBOUNCE_MS = HOUR;

/** Returns true when the open was recorded. */
export async function recordOpen(ctx: AppContext, trackingId: string): Promise<boolean> {
  const now = ctx.clock.now();
  const quietSince = new Date(now.getTime() - OPEN_DEBOUNCE_MS);
  return ctx.db.transaction().execute(async (trx) => {
    const opened = await trx
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
