/**
 * Sortable lists (docs/rules.md R91): the directory sorts by name case-insensitively, so its name
 * indexes (org-wide and per resource) become indexes on lower(last_name), lower(first_name); the
 * invitation list's email and expiry sorts get an (org_id, column, id) index each. The people's
 * email sort is served by their unique key (org_id, email).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index people_org_lower_name_idx on people (org_id, lower(last_name), lower(first_name), id)`.execute(db);
  await sql`create index people_org_resource_lower_name_idx on people (org_id, resource_id, lower(last_name), lower(first_name), id)`.execute(db);
  await sql`drop index people_org_name_idx`.execute(db);
  await sql`drop index people_org_resource_name_idx`.execute(db);
  await sql`create index invitations_org_email_list_idx on invitations (org_id, email, id)`.execute(db);
  await sql`create index invitations_org_expiry_list_idx on invitations (org_id, expires_at, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index invitations_org_expiry_list_idx`.execute(db);
  await sql`drop index invitations_org_email_list_idx`.execute(db);
  await sql`create index people_org_resource_name_idx on people (org_id, resource_id, last_name, first_name, id)`.execute(db);
  await sql`create index people_org_name_idx on people (org_id, last_name, first_name, id)`.execute(db);
  await sql`drop index people_org_resource_lower_name_idx`.execute(db);
  await sql`drop index people_org_lower_name_idx`.execute(db);
}
