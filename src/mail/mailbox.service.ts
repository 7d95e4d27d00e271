/**
 * The dev mailbox as an API: newest first, optionally for one recipient.
 */
import type { AppContext } from '../context.js';
import type { MailboxRow } from '../db/schema.js';
import { canonicalEmail } from '../auth/email.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { listMailbox } from './mailbox.repository.js';

export function presentMailboxMessage(row: MailboxRow) {
  return {
    id: row.id,
    messageId: row.message_id,
    from: row.sender,
    replyTo: row.reply_to,
    to: row.to,
    subject: row.subject,
    text: row.text,
    html: row.html,
    sentAt: row.sent_at.toISOString(),
  };
}

export async function listDevMailbox(ctx: AppContext, options: { limit: number; cursor: string | null; to: string | null }) {
  const after = options.cursor === null ? null : decodeCursor(options.cursor, ['timestamp', 'uuid']);
  const rows = await listMailbox(ctx.db, {
    limit: options.limit,
    cursor: after === null ? null : { at: after[0], id: after[1] },
    to: options.to === null ? null : canonicalEmail(options.to),
  });
  const page = pageOf(rows, options.limit, (row) => [row.sent_at, row.id]);
  return { items: page.items.map(presentMailboxMessage), nextCursor: page.nextCursor };
}
