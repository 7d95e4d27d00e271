/**
 * The transactional outbox for email. A service calls enqueueEmail inside the transaction of
 * the change that causes the message; the dispatcher renders and sends it after commit, so a
 * rollback sends nothing and a crash loses nothing.
 *
 * The payload names a template and its data; rendering happens at send time. The data of an
 * invitation email holds its link (and so the token) until the message is delivered: the
 * dispatcher scrubs the payload once the message is sent or has failed for good.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { enqueueOutbox, type NewOutboxRow } from '../outbox/outbox.repository.js';

/** Invitation, resend and reminder emails share one data shape. */
export interface InvitationEmailData {
  kind: 'invitation' | 'resend' | 'reminder';
  /** `${PUBLIC_URL}/invite/${token}` */
  link: string;
  orgName: string;
  /**
   * Whether an operator trusts the org: only then may its own name appear in the subject.
   * (A payload written before this field existed reads as untrusted.)
   */
  orgTrusted: boolean;
  resourceName: string | null;
  roleName: string;
  inviterName: string;
  /** The inviter's own words: plain text, escaped by the template, never in the subject. */
  message: string | null;
  firstName: string | null;
  expiresAt: string;
  /** `${PUBLIC_URL}/t/${trackingId}.gif`, or null when the org turned open tracking off. */
  trackingPixelUrl: string | null;
  /**
   * The org's logo (absolute URL) and brand colour, only for an org an operator trusts
   * (docs/rules.md R70, R71); absent in payloads written before they existed.
   */
  logoUrl?: string | null;
  brandColor?: string | null;
}

export interface RenewalRequestEmailData {
  orgName: string;
  inviteeEmail: string;
  inviterName: string;
  /** Where the inviter can resend: `${PUBLIC_URL}/orgs/${orgId}/invitations/${invitationId}`. */
  consoleLink: string;
}

/**
 * A sign-up verification goes to an address nobody has proved yet, so it carries nothing the
 * signer chose (no name): only the link.
 */
export interface VerifyEmailData {
  /** `${PUBLIC_URL}/verify-email/${token}` */
  link: string;
}

export interface AccountLinkEmailData {
  firstName: string;
  /** `${PUBLIC_URL}/verify-email/${token}` or `${PUBLIC_URL}/reset-password/${token}` */
  link: string;
}

export type EmailContent =
  | { template: 'invitation'; data: InvitationEmailData }
  | { template: 'renewal_request'; data: RenewalRequestEmailData }
  | { template: 'verify_email'; data: VerifyEmailData }
  | { template: 'password_reset'; data: AccountLinkEmailData };

export type EmailTemplateName = EmailContent['template'];

export type NewEmail = EmailContent & {
  to: string;
  orgId: string | null;
  invitationId?: string | null;
  /** Sender display name and reply-to (the org's settings); the address is MAIL_FROM's. */
  senderName?: string | null;
  replyTo?: string | null;
};

export interface EmailPayload {
  to: string;
  template: EmailTemplateName;
  data: EmailContent['data'];
  senderName: string | null;
  replyTo: string | null;
}

/** The outbox row of an email, due at `dueAt`. */
export function outboxRow(email: NewEmail, dueAt: Date) {
  const payload: EmailPayload = {
    to: email.to,
    template: email.template,
    data: email.data,
    senderName: email.senderName ?? null,
    replyTo: email.replyTo ?? null,
  };
  return {
    kind: 'email' as const,
    topic: email.template,
    org_id: email.orgId,
    invitation_id: email.invitationId ?? null,
    message_id: `<${randomUUID()}@gatehouse>`,
    payload: JSON.stringify(payload),
    next_attempt_at: dueAt,
  } satisfies NewOutboxRow;
}

export type OutboxEmailRow = ReturnType<typeof outboxRow>;

/** Queues many emails in one insert: rows made by outboxRow, each due when it says. */
export async function enqueueEmailRows(trx: Transaction<DB> | Kysely<DB>, rows: readonly OutboxEmailRow[]): Promise<void> {
  await enqueueOutbox(trx, rows);
}

/** Queues one email; returns its stable Message-ID. */
export async function enqueueEmail(
  trx: Transaction<DB> | Kysely<DB>,
  email: NewEmail,
  now: Date,
): Promise<string> {
  const row = outboxRow(email, now);
  await enqueueOutbox(trx, [row]);
  return row.message_id;
}
