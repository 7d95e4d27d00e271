/**
 * Invitations: what the lifecycle needs beyond the initial schema.
 * - `token_issued_at`: when the current token was minted (creation, resend, correction); the
 *   resend cooldown and the link-scanner heuristic read it.
 * - `invitation_quota_counters`: the per-org hourly quota (docs/rules.md R40) as striped counters.
 *   A create adds to one random shard of the current hour, so concurrent creates in one org
 *   rarely wait on one another's row lock; the quota is the sum over the shards.
 * - list indexes for the console's status and resource filters under keyset pagination.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table invitations add column token_issued_at timestamptz not null default now()`.execute(db);
  await sql`create table invitation_quota_counters (
    org_id uuid not null references orgs (id) on delete cascade,
    window_start timestamptz not null,
    shard smallint not null,
    count integer not null,
    primary key (org_id, window_start, shard)
  )`.execute(db);
  await sql`create index invitations_org_status_list_idx on invitations (org_id, status, created_at desc, id desc)`.execute(db);
  await sql`create index invitations_org_resource_list_idx on invitations (org_id, resource_id, created_at desc, id desc)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists invitations_org_resource_list_idx`.execute(db);
  await sql`drop index if exists invitations_org_status_list_idx`.execute(db);
  await sql`drop table if exists invitation_quota_counters`.execute(db);
  await sql`alter table invitations drop column if exists token_issued_at`.execute(db);
}
