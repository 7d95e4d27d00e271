/**
 * The dev mailbox keeps each message's From and Reply-To, so an admin sees an organization's
 * sender name and reply-to take effect without an SMTP server. Rows from before have neither.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table mailbox add column sender text not null default ''`.execute(db);
  await sql`alter table mailbox add column reply_to text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table mailbox drop column reply_to`.execute(db);
  await sql`alter table mailbox drop column sender`.execute(db);
}
