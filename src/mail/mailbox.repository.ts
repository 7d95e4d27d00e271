/**
 * The dev mailbox: where emails go when SMTP_URL is unset, so a developer (and the test suite)
 * can read what Gatehouse would have sent.
 */
import { encodeTimeIdCursor, type TimeIdCursor } from '../http/cursor.js';
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

export interface MailboxPage {
  items: MailboxRow[];
  nextCursor: string | null;
}

/** Newest first. The cursor is the last row's `sent_at|id`. */
export async function listMailbox(
  db: Kysely<DB>,
  options: { limit: number; cursor: TimeIdCursor | null; to: string | null },
): Promise<MailboxPage> {
  let query = db.selectFrom('mailbox').selectAll().orderBy('sent_at', 'desc').orderBy('id', 'desc').limit(options.limit + 1);
  if (options.to !== null) query = query.where('to', '=', options.to);
  const cursor = options.cursor;
  if (cursor !== null) {
    query = query.where((eb) =>
      eb.or([eb('sent_at', '<', cursor.at), eb.and([eb('sent_at', '=', cursor.at), eb('id', '<', cursor.id)])]),
    );
  }
  const rows = await query.execute();
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > options.limit && last !== undefined ? encodeTimeIdCursor(last.sent_at, last.id) : null,
  };
}
