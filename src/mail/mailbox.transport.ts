/**
 * The dev mailbox transport: "sending" stores the rendered message in the `mailbox` table,
 * served at GET /api/v1/dev/mailbox. Used whenever SMTP_URL is unset.
 *
 * Messages are stored with group commit: the dispatcher sends several at once, and those that
 * arrive while an insert is in flight go together in the next one. Each `send` resolves once
 * its message is stored; a failed insert fails every send in it (the dispatcher retries them).
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { insertMailboxMessages, type NewMailboxMessage } from './mailbox.repository.js';
import type { MailTransport, OutgoingEmail, SendResult } from './transport.js';

interface Pending {
  message: NewMailboxMessage;
  done: (error: unknown) => void;
}

export function mailboxTransport(db: Kysely<DB>, clock: Clock): MailTransport {
  let queue: Pending[] = [];
  let writing: Promise<void> | null = null;

  const write = async () => {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await insertMailboxMessages(
          db,
          batch.map((pending) => pending.message),
        );
        for (const pending of batch) pending.done(null);
      } catch (error) {
        for (const pending of batch) pending.done(error);
      }
    }
    writing = null;
  };

  return {
    name: 'dev-mailbox',
    send(email: OutgoingEmail): Promise<SendResult> {
      return new Promise((resolve, reject) => {
        queue.push({
          message: {
            outboxId: email.outboxId,
            messageId: email.messageId,
            to: email.to,
            subject: email.subject,
            text: email.text,
            html: email.html,
            sentAt: clock.now(),
            sender: `${email.from.name} <${email.from.address}>`,
            replyTo: email.replyTo,
          },
          done: (error) => {
            if (error === null) resolve({ responseStatus: null });
            else reject(error instanceof Error ? error : new Error('storing the message failed', { cause: error }));
          },
        });
        writing ??= write();
      });
    },
    async close() {
      // Nothing is pooled (the database belongs to the app); sends in flight finish first.
      await writing;
    },
  };
}
