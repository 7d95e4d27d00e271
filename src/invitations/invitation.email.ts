/**
 * The invitation emails a transition queues (through the outbox, in the transition's
 * transaction). Every one carries the org's sender name and reply-to (a trusted org's; see
 * orgSender), a link built from
 * PUBLIC_URL, and the tracking pixel only when the org keeps open tracking on.
 *
 * Reminders (docs/rules.md R5: one reminder email before expiry, same link): the token is not
 * stored, so the reminder is written when the token is minted, with the link in it, and parked
 * in the outbox (`PARKED_AT`) until the reminder worker releases it. It lives exactly as long
 * as the token: every transition that kills or rotates the token deletes it.
 */
import type { Transaction } from 'kysely';
import type { Config } from '../config.js';
import { DAY } from '../clock.js';
import type { DB, InvitationRow, OrgRow } from '../db/schema.js';
import { enqueueEmailRows, type InvitationEmailData, type NewEmail, type OutboxEmailRow, outboxRow } from '../mail/outbox.js';
import { type EmailContext, PARKED_AT } from './invitation.repository.js';
import { inviteLink, previewLink, trackingPixelUrl } from './invitation.token.js';
import { logoSource } from '../orgs/org.presenter.js';

export type InvitationEmailKind = InvitationEmailData['kind'];

/** What an invitation email shows of the invitation (a create builds it before the row is written). */
export type EmailedInvitation = Pick<
  InvitationRow,
  'id' | 'org_id' | 'email' | 'inviter_name' | 'message' | 'first_name' | 'expires_at' | 'tracking_id'
>;

export function invitationEmailData(
  config: Pick<Config, 'publicUrl'>,
  row: EmailedInvitation,
  context: EmailContext,
  link: string,
  kind: InvitationEmailKind,
): InvitationEmailData {
  return {
    kind,
    link,
    orgName: context.org.name,
    orgTrusted: context.org.trusted,
    resourceName: context.resourceName,
    roleName: context.roleName,
    inviterName: row.inviter_name,
    message: row.message,
    firstName: row.first_name,
    expiresAt: row.expires_at.toISOString(),
    trackingPixelUrl: context.org.open_tracking ? trackingPixelUrl(config, row.tracking_id) : null,
    // An org's own look only once an operator trusts it, as with its name in the subject.
    logoUrl: context.org.trusted ? logoSource(config.publicUrl, context.org) : null,
    brandColor: context.org.trusted ? context.org.brand_color : null,
  };
}

export function invitationEmail(
  config: Pick<Config, 'publicUrl'>,
  row: EmailedInvitation,
  context: EmailContext,
  link: string,
  kind: InvitationEmailKind,
): NewEmail {
  return {
    template: 'invitation',
    data: invitationEmailData(config, row, context, link, kind),
    to: row.email,
    orgId: row.org_id,
    invitationId: row.id,
    ...orgSender(context.org),
  };
}

/**
 * The first invitation email as a preview shows it (docs/rules.md R90): the same content, but
 * with an inert link in place of a token's and no tracking pixel, whatever the org's setting.
 */
export function invitationPreviewEmail(config: Pick<Config, 'publicUrl'>, row: EmailedInvitation, context: EmailContext): NewEmail {
  return {
    template: 'invitation',
    data: { ...invitationEmailData(config, row, context, previewLink(config), 'invitation'), trackingPixelUrl: null },
    to: row.email,
    orgId: row.org_id,
    invitationId: null,
    ...orgSender(context.org),
  };
}

/**
 * The sender name and reply-to an org's emails carry. An org no operator trusts yet (created by
 * a self-service account) sends under MAIL_FROM's name and no reply-to of its choosing, so its
 * settings cannot dress its mail up as someone else's.
 */
export function orgSender(org: Pick<OrgRow, 'trusted' | 'sender_name' | 'reply_to'>): { senderName: string | null; replyTo: string | null } {
  return org.trusted ? { senderName: org.sender_name, replyTo: org.reply_to } : { senderName: null, replyTo: null };
}

/** When the reminder of an invitation is due, or null when the org sends none. */
export function reminderDueAt(row: Pick<InvitationRow, 'expires_at'>, reminderDaysBeforeExpiry: number): Date | null {
  if (reminderDaysBeforeExpiry <= 0) return null;
  return new Date(row.expires_at.getTime() - reminderDaysBeforeExpiry * DAY);
}

export interface TokenMail {
  row: EmailedInvitation;
  token: string;
  kind: Exclude<InvitationEmailKind, 'reminder'>;
  context: EmailContext;
}

/**
 * The outbox rows for freshly minted tokens (creation, resend, correction): each token's
 * email, due now, and its reminder, parked, when the org sends reminders and the reminder
 * would still fall before expiry.
 */
export function tokenEmailRows(config: Pick<Config, 'publicUrl'>, mails: readonly TokenMail[], now: Date): OutboxEmailRow[] {
  const rows = mails.map(({ row, token, kind, context }) => outboxRow(invitationEmail(config, row, context, inviteLink(config, token), kind), now));
  for (const { row, token, context } of mails) {
    const due = reminderDueAt(row, context.org.reminder_days_before_expiry);
    if (due === null || due.getTime() <= now.getTime()) continue;
    rows.push(outboxRow(invitationEmail(config, row, context, inviteLink(config, token), 'reminder'), PARKED_AT));
  }
  return rows;
}

/** Queues tokenEmailRows in the caller's transaction, in one insert. */
export async function queueTokenEmails(
  trx: Transaction<DB>,
  config: Pick<Config, 'publicUrl'>,
  mails: readonly TokenMail[],
  now: Date,
): Promise<void> {
  await enqueueEmailRows(trx, tokenEmailRows(config, mails, now));
}
