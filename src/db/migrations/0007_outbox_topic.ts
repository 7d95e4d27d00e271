/**
 * Outbox rows name what they are about in a column of their own (`topic`: an email's template),
 * so the outbox can find and cancel them by a typed selector instead of reading inside payloads.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox add column topic text`.execute(db);
  await sql`update outbox set topic = payload->>'template' where kind = 'email'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox drop column topic`.execute(db);
}
