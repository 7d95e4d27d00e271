/**
 * The seam between the dispatcher and whatever carries an email: SMTP in production, the dev
 * mailbox (a database table) when SMTP_URL is unset, and wrappers in tests.
 *
 * Contract: `send` resolves once the receiving server accepted the message and rejects
 * otherwise. A rejection that retrying cannot fix is a `DeliveryError` with `permanent: true`
 * (or an SMTP error carrying a 5xx reply code); everything else is retried with backoff.
 */
import { type Delivered, DeliveryError, type FailureVerdict, truncate } from '../outbox/deliverer.js';

export { DeliveryError, truncate, type FailureVerdict };

export interface Mailbox {
  name: string;
  address: string;
}

export interface OutgoingEmail {
  /** `<…@…>`, stable across retries (outbox.message_id). */
  messageId: string;
  from: Mailbox;
  replyTo: string | null;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The outbox row this email comes from (the dev mailbox keeps it). */
  outboxId: string;
}

/** The SMTP reply code of the accepted message, when known (250). */
export type SendResult = Delivered;

export interface MailTransport {
  readonly name: string;
  send(email: OutgoingEmail): Promise<SendResult>;
  /** Closes pooled connections; the transport is not used afterwards. */
  close(): Promise<void>;
}

function numberField(error: object, field: string): number | null {
  const value: unknown = (error as Record<string, unknown>)[field];
  return typeof value === 'number' ? value : null;
}

function stringField(error: object, field: string): string | null {
  const value: unknown = (error as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : null;
}

/**
 * SMTP replies: 4xx is temporary (greylisting, a full mailbox, a busy server): retry. A 5xx
 * reply to the recipient or the message (RCPT TO, DATA) is final: fail at once. A 5xx to
 * AUTH or MAIL FROM is our configuration, not this message, so it is retried like an outage
 * (an operator fixing SMTP_URL or MAIL_FROM should not find every invitation failed).
 */
export function classifyFailure(error: unknown): FailureVerdict {
  if (error instanceof DeliveryError) {
    return { permanent: error.permanent, message: error.message, responseStatus: error.responseStatus };
  }
  if (typeof error === 'object' && error !== null) {
    const responseCode = numberField(error, 'responseCode');
    const code = stringField(error, 'code') ?? '';
    const command = (stringField(error, 'command') ?? '').toUpperCase();
    const message = error instanceof Error ? error.message : 'delivery failed';
    const configProblem = code === 'EAUTH' || command.startsWith('AUTH') || command.startsWith('MAIL FROM');
    const permanent = responseCode !== null && responseCode >= 500 && responseCode < 600 && !configProblem;
    return { permanent, message: truncate(message), responseStatus: responseCode };
  }
  return { permanent: false, message: 'delivery failed', responseStatus: null };
}

/** The From of an email: the org's sender name when it has one, else MAIL_FROM's, always MAIL_FROM's address. */
export function senderOf(mailFrom: string, senderName: string | null): Mailbox {
  const defaultFrom = parseMailFrom(mailFrom);
  const name = senderName?.trim() ?? '';
  return { name: name === '' ? defaultFrom.name : name, address: defaultFrom.address };
}

/** A mailbox as a header shows it: `Name <address>`, or the bare address without a name. */
export function mailboxText(mailbox: Mailbox): string {
  return mailbox.name === '' ? mailbox.address : `${mailbox.name} <${mailbox.address}>`;
}

/** `Name <addr>` or `addr` (validated by loadConfig) as a mailbox. */
export function parseMailFrom(mailFrom: string): Mailbox {
  const match = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(mailFrom);
  if (match === null) return { name: '', address: mailFrom.trim() };
  return { name: (match[1] ?? '').replace(/^"|"$/g, ''), address: match[2] ?? '' };
}
