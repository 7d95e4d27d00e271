/**
 * The dev mailbox as an API: newest first, optionally for one recipient.
 */
import type { AppContext } from '../context.js';
import type { MailboxRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { listMailbox } from './mailbox.repository.js';

export function presentMailboxMessage(row: MailboxRow) {
  return {
    id: row.id,
    messageId: row.message_id,
    to: row.to,
    subject: row.subject,
    text: row.text,
    html: row.html,
    sentAt: row.sent_at.toISOString(),
  };
}

function parseCursor(cursor: string): { sentAt: Date; id: string } {
  const [at = '', id = ''] = cursor.split('|');
  const sentAt = new Date(at);
  if (Number.isNaN(sentAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new AppError('VALIDATION_FAILED', { details: [{ path: 'cursor', message: 'is not a cursor from this list' }] });
  }
  return { sentAt, id };
}

export async function listDevMailbox(ctx: AppContext, options: { limit: number; cursor: string | null; to: string | null }) {
  const page = await listMailbox(ctx.db, {
    limit: options.limit,
    cursor: options.cursor === null ? null : parseCursor(options.cursor),
    to: options.to === null ? null : options.to.trim().toLowerCase(),
  });
  return { items: page.items.map(presentMailboxMessage), nextCursor: page.nextCursor };
}
