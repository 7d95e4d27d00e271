/**
 * Apps: the host applications an org signs its people in to through Gatehouse (OpenID Connect
 * clients, docs/rules.md). Redirect URIs are matched exactly; a confidential app's secret is kept
 * only as its SHA-256 digest. An invitation may name the app it lands in.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const now = sql`timestamptz not null default now()`;
  await sql`create table apps (
    id uuid primary key default gen_random_uuid(),
    org_id uuid not null references orgs (id) on delete cascade,
    name text not null check (length(name) between 1 and 200),
    type text not null check (type in ('confidential', 'public')),
    client_id text not null unique,
    client_secret_hash text,
    redirect_uris jsonb not null default '[]',
    post_logout_redirect_uris jsonb not null default '[]',
    allowed_origins jsonb not null default '[]',
    initiate_login_uri text,
    first_party boolean not null default false,
    secret_rotated_at timestamptz,
    created_at ${now},
    updated_at ${now},
    check ((type = 'confidential') = (client_secret_hash is not null))
  )`.execute(db);
  await sql`create index apps_org_idx on apps (org_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table apps`.execute(db);
}
