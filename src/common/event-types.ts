/**
 * Every event type Gatehouse writes (SPEC "Event", plus `user.invited` for the user-first flow and
 * `person.unlinked`). The audit log, webhook subscriptions and the console's catalog all read this
 * one list; appendEvent() accepts nothing else, so a new type cannot be written without being listed.
 */
export const EVENT_TYPES = [
  'invitation.created',
  'invitation.updated',
  'invitation.sent',
  'invitation.delivery_failed',
  'invitation.opened',
  'invitation.visited',
  'invitation.clicked',
  'invitation.resent',
  'invitation.reminded',
  'invitation.revoked',
  'invitation.expired',
  'invitation.accepted',
  'invitation.declined',
  'invitation.deleted',
  'invitation.renewal_requested',
  'user.invited',
  'user.registered',
  'user.verified',
  'user.deleted',
  'membership.granted',
  'membership.changed',
  'membership.removed',
  'person.linked',
  'person.unlinked',
  'user.tokens_revoked',
  'widget.token_issued',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];
