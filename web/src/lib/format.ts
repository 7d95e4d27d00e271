/** Display helpers: dates, names, and the words and colours of statuses. */
import type { InvitationStatus } from '../api/types';
import type { EventType } from './catalog';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function when(iso: string | null | undefined): string {
  return iso === null || iso === undefined ? '—' : dateTime.format(new Date(iso));
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3 days ago", "in 5 hours", "just now": the absolute time goes in a title beside it (RelTime.vue). */
export function ago(iso: string, now = Date.now()): string {
  const diff = Date.parse(iso) - now;
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return relative.format(Math.round(diff / size), unit);
  }
  return 'just now';
}

export function day(iso: string | null | undefined): string {
  return iso === null || iso === undefined ? '—' : dateOnly.format(new Date(iso));
}

export function fullName(p: { firstName?: string | null; lastName?: string | null; email?: string }): string {
  const name = `${p.firstName ?? ''} ${p.lastName ?? ''}`.trim();
  return name === '' ? (p.email ?? '') : name;
}

export { ACCESS_STATUSES, INVITATION_STATUSES } from './status';

/** States in which an invitation's link still works (and it can be edited or revoked). */
export const LIVE: readonly InvitationStatus[] = ['pending', 'sent', 'opened', 'clicked'];

export function isLive(status: InvitationStatus): boolean {
  return LIVE.includes(status);
}

/**
 * The words for each event type. Keyed by the server's list (lib/catalog.ts), so a type added
 * there fails the console's build until it has words here.
 */
const EVENT_LABELS: Record<EventType, string> = {
  'invitation.created': 'Invitation created',
  'invitation.updated': 'Invitation edited',
  'invitation.sent': 'Email delivered to the mail server',
  'invitation.delivery_failed': 'Email could not be delivered',
  'invitation.opened': 'Email opened',
  'invitation.visited': 'Link visited',
  'invitation.clicked': 'Invitation page opened',
  'invitation.resent': 'Resent',
  'invitation.reminded': 'Reminder sent',
  'invitation.revoked': 'Revoked',
  'invitation.expired': 'Expired',
  'invitation.accepted': 'Accepted',
  'invitation.declined': 'Declined',
  'invitation.deleted': 'Deleted',
  'invitation.renewal_requested': 'Invitee asked for a new link',
  'user.invited': 'Account created for the invitee',
  'user.registered': 'Account registered',
  'user.verified': 'Email verified',
  'user.deleted': 'Account deleted',
  'membership.granted': 'Access granted',
  'membership.changed': 'Role changed',
  'membership.removed': 'Access removed',
  'person.linked': 'Person linked to account',
  'person.unlinked': 'Person unlinked from account',
  'user.tokens_revoked': 'App sign-ins revoked',
  'widget.token_issued': 'Embedded access issued to an app',
};

function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_LABELS, type);
}

/** `invitation.resent` -> "Resent"; unknown types (from a newer server) keep their name. */
export function eventLabel(type: string): string {
  return isEventType(type) ? EVENT_LABELS[type] : type;
}

/** Splits pasted or uploaded text into addresses: commas, semicolons, spaces or new lines. */
export function parseAddresses(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\s,;]+/)) {
    const cleaned = part.replace(/^<|>$/g, '').trim().toLowerCase();
    if (cleaned !== '') seen.add(cleaned);
  }
  return [...seen];
}

export function looksLikeEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}
