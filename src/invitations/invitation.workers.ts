/**
 * Background work for invitations, safe on any number of instances: each batch claims its rows
 * with `FOR UPDATE SKIP LOCKED`, so two instances never work on one invitation and neither
 * waits for the other.
 * - the expiry sweep: live invitations past `expires_at` become `expired` (docs/rules.md R3);
 * - reminders: the parked reminder of a live invitation is released when it falls due (R5);
 * - old quota windows are dropped.
 */
import { HOUR, MINUTE } from '../clock.js';
import type { AppContext } from '../context.js';
import { SYSTEM_ACTOR } from '../events/event.repository.js';
import { intervalWorker, type Worker } from '../common/worker.js';
import * as lifecycle from './invitation.lifecycle.js';
import { claimDueReminders, claimOverdue, deleteOldQuotaWindows, loadEmailContext } from './invitation.repository.js';

export const SWEEP_INTERVAL_MS = MINUTE;
const BATCH = 200;

/** Expires one batch of overdue invitations; returns how many. */
export async function sweepExpiredBatch(ctx: AppContext, limit = BATCH): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const due = await claimOverdue(trx, now, limit);
    const s: lifecycle.Step = { trx, config: ctx.config, now, actor: SYSTEM_ACTOR };
    for (const row of due) await lifecycle.expire(s, row);
    return due.length;
  });
}

/** Releases one batch of due reminders; returns how many were sent. */
export async function sendDueRemindersBatch(ctx: AppContext, limit = BATCH): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const due = await claimDueReminders(trx, now, limit);
    const s: lifecycle.Step = { trx, config: ctx.config, now, actor: SYSTEM_ACTOR };
    let sent = 0;
    for (const row of due) {
      const after = await lifecycle.remind(s, row, await loadEmailContext(trx, row));
      if (after.reminded_at !== null) sent += 1;
    }
    return sent;
  });
}

/** One tick: everything due, batch after batch. */
export async function runInvitationMaintenance(ctx: AppContext): Promise<{ expired: number; reminded: number }> {
  let expired = 0;
  for (let n = BATCH; n === BATCH; ) expired += n = await sweepExpiredBatch(ctx);
  let reminded = 0;
  for (let n = BATCH; n === BATCH; ) reminded += n = await sendDueRemindersBatch(ctx);
  await deleteOldQuotaWindows(ctx.db, new Date(ctx.clock.now().getTime() - 2 * HOUR));
  return { expired, reminded };
}

export function invitationMaintenanceWorker(ctx: AppContext): Worker {
  return intervalWorker('invitations', ctx, SWEEP_INTERVAL_MS, () => runInvitationMaintenance(ctx));
}
