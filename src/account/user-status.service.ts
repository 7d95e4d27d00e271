/**
 * Disabling and enabling an account (docs/rules.md R57), by an instance admin
 * (PUT /api/v1/admin/users/:userId/disabled) or the operator (`gatehouse user disable|enable`).
 * A disabled account cannot sign in to Gatehouse nor to any app: its Gatehouse sessions end and
 * its OpenID sessions, grants and tokens are revoked through the access hooks, in one transaction.
 */
import { deleteUserSessions } from '../auth/session.repository.js';
import { lockUserById, setUserStatus } from '../auth/user.repository.js';
import type { AccessRemoval, AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent } from '../events/event.repository.js';
import { listUserGrants } from './account.repository.js';

/**
 * Disables (or enables again) the account. Asking for the state it is already in changes nothing.
 * Only an active account can be disabled (an `invited` record is not an account yet, R13), and
 * not by the admin themselves.
 */
export async function setUserDisabled(
  ctx: Pick<AppContext, 'db' | 'accessHooks'>,
  actor: AccessRemoval['actor'],
  userId: string,
  disabled: boolean,
  now: Date,
): Promise<UserRow> {
  if (disabled && actor.type === 'user' && actor.id === userId) throw new AppError('CANNOT_DISABLE_SELF');
  return ctx.db.transaction().execute(async (trx) => {
    const user = await lockUserById(trx, userId);
    if (user === undefined) throw new AppError('USER_NOT_FOUND');
    if (disabled ? user.status === 'disabled' : user.status !== 'disabled') return user;
    if (disabled && user.status !== 'active') throw new AppError('USER_NOT_ACTIVE');
    const updated = await setUserStatus(trx, userId, disabled ? 'disabled' : 'active', now);
    const orgIds = [...new Set((await listUserGrants(trx, userId)).map((grant) => grant.org_id))];
    for (const orgId of orgIds.length === 0 ? [null] : orgIds) {
      await appendEvent(trx, { type: disabled ? 'user.disabled' : 'user.enabled', orgId, actor, userId, occurredAt: now });
    }
    if (disabled) {
      await deleteUserSessions(trx, userId);
      await ctx.accessHooks.removed(trx, { userId, orgIds, reason: 'account_disabled', actor }, now);
    }
    return updated;
  });
}
