/**
 * The dev mailbox transport: "sending" stores the rendered message in the `mailbox` table,
 * served at GET /api/v1/dev/mailbox. Used whenever SMTP_URL is unset.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { insertMailboxMessage } from './mailbox.repository.js';
import type { MailTransport, OutgoingEmail, SendResult } from './transport.js';

export function mailboxTransport(db: Kysely<DB>, clock: Clock): MailTransport {
  return {
    name: 'dev-mailbox',
    async send(email: OutgoingEmail): Promise<SendResult> {
      await insertMailboxMessage(db, {
        outboxId: email.outboxId,
        messageId: email.messageId,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        sentAt: clock.now(),
        sender: `${email.from.name} <${email.from.address}>`,
        replyTo: email.replyTo,
      });
      return { responseStatus: null };
    },
    async close() {
      // Nothing is pooled: the database belongs to the app.
    },
  };
}
