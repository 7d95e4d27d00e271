/**
 * Mail and webhooks: what the last delivery attempt of an outbox row did, for the webhook
 * delivery log and for operators (`last_attempt_at`, and the SMTP reply code or HTTP status of
 * that attempt when there was one).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox add column last_attempt_at timestamptz, add column response_status integer`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table outbox drop column if exists last_attempt_at, drop column if exists response_status`.execute(db);
}
