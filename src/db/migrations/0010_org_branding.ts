/**
 * Org branding (docs/rules.md R70–R73): the invitee's page and the invitation email show the
 * org's logo, brand colour and terms link. A logo is an https URL or an uploaded PNG/JPEG kept in
 * `org_logos` (one row per org, so the image bytes never ride along when an org row is read);
 * `logo_digest` names the uploaded image's version.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table orgs
    add column logo_url text check (logo_url like 'https://%' and length(logo_url) <= 2000),
    add column logo_digest text,
    add column brand_color text check (brand_color ~ '^#[0-9a-f]{6}$'),
    add column terms_url text check (terms_url like 'https://%' and length(terms_url) <= 2000)`.execute(db);
  await sql`create table org_logos (
    org_id uuid primary key references orgs (id) on delete cascade,
    content_type text not null check (content_type in ('image/png', 'image/jpeg')),
    bytes bytea not null,
    digest text not null,
    updated_at timestamptz not null default now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table org_logos`.execute(db);
  await sql`alter table orgs drop column logo_url, drop column logo_digest, drop column brand_color, drop column terms_url`.execute(db);
}
