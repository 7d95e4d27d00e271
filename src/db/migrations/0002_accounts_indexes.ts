/**
 * Indexes for the accounts area, sized by bench/people-list.js (100,000 people in one org):
 * the directory filtered by resource keeps its name order; name and email search are prefix
 * searches served by pattern-ops indexes; one-time tokens and API keys are found by owner.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index people_org_resource_name_idx on people (org_id, resource_id, last_name, first_name, id)`.execute(db);
  await sql`create index people_search_last_idx on people (org_id, lower(last_name) text_pattern_ops)`.execute(db);
  await sql`create index people_search_full_idx on people (org_id, lower(first_name || ' ' || last_name) text_pattern_ops)`.execute(db);
  await sql`create index people_search_email_idx on people (org_id, email text_pattern_ops)`.execute(db);
  await sql`create index auth_tokens_user_idx on auth_tokens (user_id, purpose)`.execute(db);
  await sql`create index api_keys_org_idx on api_keys (org_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of [
    'api_keys_org_idx',
    'auth_tokens_user_idx',
    'people_search_email_idx',
    'people_search_full_idx',
    'people_search_last_idx',
    'people_org_resource_name_idx',
  ]) {
    await sql`drop index if exists ${sql.ref(index)}`.execute(db);
  }
}
