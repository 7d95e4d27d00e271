/**
 * The console's one status vocabulary: the same words for the same state on badges, panels,
 * lists, tabs and notices. A person's access status and an invitation's status share them (an
 * invitation that is out and waiting is "Pending" whether its email is queued or delivered; a
 * person whose invitation was accepted has "Joined"; an email the mail server refused "Bounced").
 * Keyed by the API's lists, so a status added there fails the console's build until it has words.
 */
import type { AccessStatus, InvitationStatus } from '../api/types';

export type Tone = 'grey' | 'blue' | 'teal' | 'green' | 'amber' | 'red';
export interface StatusWords {
  label: string;
  tone: Tone;
  /** One line on what it means, for tooltips and the tabs. */
  hint: string;
}

export const WORDS = {
  notInvited: { label: 'Not invited', tone: 'grey', hint: 'In the directory; no invitation yet.' },
  pending: { label: 'Pending', tone: 'blue', hint: 'Invited; the email is out and the link works.' },
  opened: { label: 'Opened', tone: 'blue', hint: 'The email was opened; not accepted yet.' },
  clicked: { label: 'Clicked', tone: 'teal', hint: 'The invitation page was opened; not accepted yet.' },
  joined: { label: 'Joined', tone: 'green', hint: 'Accepted the invitation and has access.' },
  expired: { label: 'Expired', tone: 'amber', hint: 'The link ran out before it was used.' },
  declined: { label: 'Declined', tone: 'red', hint: 'Said no to the invitation.' },
  revoked: { label: 'Revoked', tone: 'grey', hint: 'Withdrawn; the link no longer works.' },
  bounced: { label: 'Bounced', tone: 'red', hint: 'The mail server refused the email.' },
} as const satisfies Record<string, StatusWords>;

export const ACCESS_STATUSES: Record<AccessStatus, StatusWords> = {
  not_invited: WORDS.notInvited,
  invited: WORDS.pending,
  opened: WORDS.opened,
  clicked: WORDS.clicked,
  registered: WORDS.joined,
  expired: WORDS.expired,
  declined: WORDS.declined,
  revoked: WORDS.revoked,
  failed: WORDS.bounced,
};

export const INVITATION_STATUSES: Record<InvitationStatus, StatusWords> = {
  pending: WORDS.pending,
  sent: WORDS.pending,
  opened: WORDS.opened,
  clicked: WORDS.clicked,
  accepted: WORDS.joined,
  declined: WORDS.declined,
  revoked: WORDS.revoked,
  expired: WORDS.expired,
  failed: WORDS.bounced,
};

/** The order of the status tabs over the people list (the most actionable first). */
export const ACCESS_TAB_ORDER: readonly AccessStatus[] = ['invited', 'opened', 'clicked', 'expired', 'failed', 'registered', 'declined', 'revoked', 'not_invited'];
