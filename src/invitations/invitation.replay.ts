/**
 * replay(events): rebuilds an invitation from its event log alone (docs/rules.md R38: replaying an
 * invitation's events must reproduce its current row). Pure: no database, no clock.
 *
 * It is the executable statement of what each event means for the row, so it must agree with
 * the transitions in invitation.lifecycle.ts and with the mail side's contract
 * (mail/invitation-delivery.ts for `sent` and `delivery_failed`; the tracking pixel for
 * `opened`). Three changes are not events and so are outside replay: a deleted person or user
 * nulls `person_id` / `user_id`, and a deleted app `app_id` and `return_to`, through their foreign keys.
 */
import type { InvitationRow, InvitationStatus, JsonObject, JsonValue } from '../db/schema.js';

export interface ReplayEvent {
  type: string;
  data: JsonObject;
  occurredAt: Date;
}

/** The fields of an invitation row that its events determine. */
export interface InvitationState {
  id: string;
  status: InvitationStatus;
  email: string;
  role: string;
  resourceId: string | null;
  personId: string | null;
  userId: string | null;
  message: string | null;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  lastSentAt: string | null;
  openedAt: string | null;
  lastOpenedAt: string | null;
  clickedAt: string | null;
  acceptedAt: string | null;
  declinedAt: string | null;
  revokedAt: string | null;
  expiredAt: string | null;
  failedAt: string | null;
  remindedAt: string | null;
  resendCount: number;
  appId: string | null;
  returnTo: string | null;
}

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The same fields read from a row, for comparison with replay(). */
export function stateOf(row: InvitationRow): InvitationState {
  return {
    id: row.id,
    status: row.status,
    email: row.email,
    role: row.role,
    resourceId: row.resource_id,
    personId: row.person_id,
    userId: row.user_id,
    message: row.message,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    sentAt: iso(row.sent_at),
    lastSentAt: iso(row.last_sent_at),
    openedAt: iso(row.opened_at),
    lastOpenedAt: iso(row.last_opened_at),
    clickedAt: iso(row.clicked_at),
    acceptedAt: iso(row.accepted_at),
    declinedAt: iso(row.declined_at),
    revokedAt: iso(row.revoked_at),
    expiredAt: iso(row.expired_at),
    failedAt: iso(row.failed_at),
    remindedAt: iso(row.reminded_at),
    resendCount: row.resend_count,
    appId: row.app_id,
    returnTo: row.return_to,
  };
}

function str(value: JsonValue | undefined): string | null {
  return typeof value === 'string' ? value : null;
}

function object(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

/** The `to` side of each `{ from, to }` pair in an `invitation.updated` event. */
function changedTo(data: JsonObject): Record<string, string | null> {
  const result: Record<string, string | null> = {};
  for (const [field, change] of Object.entries(object(data.changes))) result[field] = str(object(change).to);
  return result;
}

function apply(state: InvitationState, event: ReplayEvent, at: string): InvitationState | null {
  const data = event.data;
  switch (event.type) {
    case 'invitation.sent':
      if (state.status !== 'pending') return state;
      return { ...state, status: 'sent', sentAt: state.sentAt ?? at, lastSentAt: at, updatedAt: at };
    case 'invitation.delivery_failed':
      if (state.status !== 'pending' && state.status !== 'sent') return state;
      return { ...state, status: 'failed', failedAt: at, updatedAt: at };
    case 'invitation.opened':
      // mail/tracking.service.ts: `sent` -> `opened`; the open times, and not `updated_at`.
      return {
        ...state,
        status: state.status === 'sent' ? 'opened' : state.status,
        openedAt: state.openedAt ?? at,
        lastOpenedAt: at,
      };
    case 'invitation.clicked':
      return { ...state, status: 'clicked', clickedAt: state.clickedAt ?? at, updatedAt: at };
    case 'invitation.updated': {
      const to = changedTo(data);
      let next: InvitationState = {
        ...state,
        ...('role' in to ? { role: to.role ?? state.role } : {}),
        ...('resourceId' in to ? { resourceId: to.resourceId ?? null } : {}),
        ...('message' in to ? { message: to.message ?? null } : {}),
        ...('expiresAt' in to ? { expiresAt: to.expiresAt ?? state.expiresAt } : {}),
        ...('appId' in to ? { appId: to.appId ?? null } : {}),
        ...('returnTo' in to ? { returnTo: to.returnTo ?? null } : {}),
        updatedAt: at,
      };
      if (data.tokenRotated === true) {
        next = {
          ...next,
          email: to.email ?? state.email,
          status: 'pending',
          sentAt: null,
          lastSentAt: null,
          openedAt: null,
          lastOpenedAt: null,
          clickedAt: null,
          failedAt: null,
          remindedAt: null,
        };
      }
      return next;
    }
    case 'invitation.resent':
      return {
        ...state,
        status: 'pending',
        expiresAt: str(data.expiresAt) ?? state.expiresAt,
        resendCount: state.resendCount + 1,
        lastSentAt: null,
        expiredAt: null,
        failedAt: null,
        remindedAt: null,
        updatedAt: at,
      };
    case 'invitation.reminded':
      return { ...state, remindedAt: at, updatedAt: at };
    case 'invitation.revoked':
      return { ...state, status: 'revoked', revokedAt: at, updatedAt: at };
    case 'invitation.expired':
      return { ...state, status: 'expired', expiredAt: at, updatedAt: at };
    case 'invitation.accepted':
      return { ...state, status: 'accepted', acceptedAt: at, userId: str(data.userId) ?? state.userId, updatedAt: at };
    case 'invitation.declined':
      return { ...state, status: 'declined', declinedAt: at, updatedAt: at };
    case 'invitation.deleted':
      return null;
    default:
      // visited, renewal_requested, person.linked, membership.granted…: the row does not change.
      return state;
  }
}

/**
 * The invitation as its events describe it: null when there is no `invitation.created` event or
 * the last word is `invitation.deleted`. `id` is the invitation's, passed in because events of
 * one invitation are selected by it.
 */
export function replay(id: string, events: readonly ReplayEvent[]): InvitationState | null {
  let state: InvitationState | null = null;
  for (const event of events) {
    const at = event.occurredAt.toISOString();
    if (event.type === 'invitation.created') {
      const data = event.data;
      state = {
        id,
        status: 'pending',
        email: str(data.email) ?? '',
        role: str(data.role) ?? '',
        resourceId: str(data.resourceId),
        personId: str(data.personId),
        userId: str(data.userId),
        message: str(data.message),
        expiresAt: str(data.expiresAt) ?? at,
        createdAt: at,
        updatedAt: at,
        sentAt: null,
        lastSentAt: null,
        openedAt: null,
        lastOpenedAt: null,
        clickedAt: null,
        acceptedAt: null,
        declinedAt: null,
        revokedAt: null,
        expiredAt: null,
        failedAt: null,
        remindedAt: null,
        resendCount: 0,
        appId: str(data.appId),
        returnTo: str(data.returnTo),
      };
      continue;
    }
    if (state !== null) state = apply(state, event, at);
  }
  return state;
}
