/**
 * The invitation state machine in one place (docs/rules.md, Invitation lifecycle): which states are
 * live, which can be edited, resent or consumed, and the coded refusal for each dead state.
 * Every transition and the person access status read it from here.
 *
 *   pending -> sent -> opened -> clicked -> accepted
 *   any live state -> revoked | expired | declined | failed
 *   expired | failed -> pending (resend revives)
 *
 * A leaf: it imports no feature, so any feature may read the states from here.
 */
import type { InvitationRow, InvitationStatus } from '../db/schema.js';
import { AppError } from '../errors.js';

/** States in which the token still works. */
export const LIVE_STATUSES = ['pending', 'sent', 'opened', 'clicked'] as const satisfies readonly InvitationStatus[];

export type LiveStatus = (typeof LIVE_STATUSES)[number];

/** The token works: the invitation can be clicked, accepted, declined. */
export function isLive(status: InvitationStatus): status is LiveStatus {
  return (LIVE_STATUSES as readonly string[]).includes(status);
}

/** Final states: nothing moves an invitation out of them. */
export const FINAL_STATUSES: readonly InvitationStatus[] = ['accepted', 'revoked', 'declined'];

/**
 * Edit in place and email correction: a live invitation, or a `failed` one (a bounced address is
 * the usual reason to correct the email, and the correction revives it).
 */
export function isEditable(status: InvitationStatus): boolean {
  return isLive(status) || status === 'failed';
}

/** Resend: live ones get a fresh token; `expired` and `failed` are revived. */
export function isResendable(status: InvitationStatus): boolean {
  return isLive(status) || status === 'expired' || status === 'failed';
}

/** A live invitation whose expiry has passed by `now` (expired on the spot by a consuming path). */
export function isDue(row: Pick<InvitationRow, 'status' | 'expires_at'>, now: Date): boolean {
  return isLive(row.status) && row.expires_at.getTime() <= now.getTime();
}

/**
 * The invitation as of `now`: one in a live state whose expiry has passed is shown `expired`
 * (expired at its expiry time) before the sweep or a consuming path has stored that.
 */
export function asOf<Row extends Pick<InvitationRow, 'status' | 'expires_at' | 'expired_at'>>(row: Row, now: Date): Row {
  return isDue(row, now) ? { ...row, status: 'expired', expired_at: row.expires_at } : row;
}

/** The state the invitee sees in a 409 answer, so a client can show what happened. */
export function currentState(row: InvitationRow) {
  return {
    state: {
      status: row.status,
      acceptedAt: row.accepted_at?.toISOString() ?? null,
      declinedAt: row.declined_at?.toISOString() ?? null,
      revokedAt: row.revoked_at?.toISOString() ?? null,
      expiredAt: row.expired_at?.toISOString() ?? null,
    },
  };
}

/** Why a token cannot be consumed (accept, register, decline) in its current state; null when it can. */
export function consumeRefusal(row: InvitationRow): AppError | null {
  const extra = currentState(row);
  switch (row.status) {
    case 'pending':
    case 'sent':
    case 'opened':
    case 'clicked':
      return null;
    case 'accepted':
      return new AppError('INVITATION_ALREADY_ACCEPTED', { extra });
    case 'declined':
      return new AppError('INVITATION_DECLINED', { extra });
    case 'revoked':
      return new AppError('INVITATION_REVOKED', { extra });
    case 'expired':
      return new AppError('INVITATION_EXPIRED', { extra });
    case 'failed':
      return new AppError('INVITATION_FAILED', { extra });
  }
}

/** Statuses from which the invitee's first click moves the invitation to `clicked`. */
export function isClickable(status: InvitationStatus): boolean {
  return status === 'pending' || status === 'sent' || status === 'opened';
}
