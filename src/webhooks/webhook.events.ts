/**
 * Event types an endpoint may subscribe to (SPEC "Event"), plus `*` for all of them.
 *
 * The one list: the web console imports this module (web/src/lib/catalog.ts) for its webhook
 * and audit-log pickers, so it must stay free of imports.
 */
export const WEBHOOK_EVENT_TYPES = [
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
  'user.registered',
  'user.verified',
  'user.deleted',
  'membership.granted',
  'membership.changed',
  'membership.removed',
  'person.linked',
] as const;

export const ALL_EVENTS = '*';

export function isKnownEventType(type: string): boolean {
  return type === ALL_EVENTS || (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}
