/**
 * An org is `trusted` once an operator vouches for it: only then do its own name and sender
 * name reach the subject and From of the invitation emails it sends, and its hourly quota may go
 * up to INVITATION_QUOTA_MAX rather than SELF_SERVICE_QUOTA_MAX. Orgs an instance admin creates
 * are trusted from the start. Orgs already here count as operator-created when an instance admin
 * owns them; any other is left for the operator to trust (`gatehouse org trust <id>`).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table orgs add column trusted boolean not null default false`.execute(db);
  await sql`
    update orgs set trusted = true
    where exists (
      select 1 from grants g join users u on u.id = g.user_id
      where g.org_id = orgs.id and g.resource_id is null and g.role = 'owner' and u.is_instance_admin
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table orgs drop column trusted`.execute(db);
}
