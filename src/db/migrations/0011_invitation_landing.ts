/**
 * Where an accepted invitation lands the invitee: an app of the org and a `returnTo` address in
 * it (docs/rules.md R60–R62), on the invitation and as the org's default for invitations that
 * name none. Deleting the app clears both the app and its address, wherever they are named.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table invitations
    add column app_id uuid references apps (id) on delete set null,
    add column return_to text`.execute(db);
  await sql`alter table orgs
    add column default_app_id uuid references apps (id) on delete set null,
    add column default_return_to text`.execute(db);
  // The foreign keys null the app; these clear the address that belonged to it.
  await sql`create function invitations_clear_return_to() returns trigger language plpgsql as $$
    begin new.return_to := null; return new; end $$`.execute(db);
  await sql`create trigger invitations_app_removed before update of app_id on invitations
    for each row when (new.app_id is null and old.app_id is not null)
    execute function invitations_clear_return_to()`.execute(db);
  await sql`create function orgs_clear_default_return_to() returns trigger language plpgsql as $$
    begin new.default_return_to := null; return new; end $$`.execute(db);
  await sql`create trigger orgs_default_app_removed before update of default_app_id on orgs
    for each row when (new.default_app_id is null and old.default_app_id is not null)
    execute function orgs_clear_default_return_to()`.execute(db);
  await sql`create index invitations_app_idx on invitations (app_id) where app_id is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger orgs_default_app_removed on orgs`.execute(db);
  await sql`drop function orgs_clear_default_return_to()`.execute(db);
  await sql`drop trigger invitations_app_removed on invitations`.execute(db);
  await sql`drop function invitations_clear_return_to()`.execute(db);
  await sql`alter table orgs drop column default_app_id, drop column default_return_to`.execute(db);
  await sql`alter table invitations drop column app_id, drop column return_to`.execute(db);
}
