/**
 * The dev mailbox: where emails go when SMTP_URL is unset, so a developer (and the test suite)
 * can read what Gatehouse would have sent.
 */
import type { Kysely } from 'kysely';
import type { DB, MailboxRow } from '../db/schema.js';

export interface NewMailboxMessage {
  outboxId: string | null;
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sentAt: Date;
  sender: string;
  replyTo: string | null;
}

/** Stores messages in one insert. */
export async function insertMailboxMessages(db: Kysely<DB>, messages: readonly NewMailboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insertInto('mailbox')
    .values(
      messages.map((message) => ({
        outbox_id: message.outboxId,
        message_id: message.messageId,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        sent_at: message.sentAt,
        sender: message.sender,
        reply_to: message.replyTo,
      })),
    )
    .execute();
}

/** Newest first, from `(sent_at, id)` on; one more than `limit`, so the caller knows whether a next page exists. */
export async function listMailbox(
  db: Kysely<DB>,
  options: { limit: number; cursor: { at: Date; id: string } | null; to: string | null },
): Promise<MailboxRow[]> {
  let query = db.selectFrom('mailbox').selectAll().orderBy('sent_at', 'desc').orderBy('id', 'desc').limit(options.limit + 1);
  if (options.to !== null) query = query.where('to', '=', options.to);
  const cursor = options.cursor;
  if (cursor !== null) {
    query = query.where((eb) => eb(eb.refTuple('sent_at', 'id'), '<', eb.tuple(cursor.at, cursor.id)));
  }
  return query.execute();
}
