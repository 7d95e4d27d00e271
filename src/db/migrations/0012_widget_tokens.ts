/**
 * Widget tokens: short-lived bearer tokens a host application's backend mints with its API key
 * for one user, one app and optionally one resource, so Gatehouse's embeddable elements can act
 * as that user on the host's pages (docs/rules.md R80–R86). Only the token's SHA-256 is kept. An
 * event records the app a widget acted through beside the user it names.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table widget_tokens (
    id uuid primary key default gen_random_uuid(),
    token_hash text not null unique,
    org_id uuid not null references orgs (id) on delete cascade,
    app_id uuid not null references apps (id) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    api_key_id uuid not null references api_keys (id) on delete cascade,
    resource_id uuid references resources (id) on delete cascade,
    scopes jsonb not null default '[]',
    expires_at timestamptz not null,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index widget_tokens_expiry_idx on widget_tokens (expires_at)`.execute(db);
  // CORS asks, per cross-origin request, whether any app allows an origin.
  await sql`create index apps_allowed_origins_idx on apps using gin (allowed_origins)`.execute(db);
  // No foreign key: events outlive the app they name (docs/rules.md R38).
  await sql`alter table events add column actor_app_id uuid`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table events drop column actor_app_id`.execute(db);
  await sql`drop index apps_allowed_origins_idx`.execute(db);
  await sql`drop table widget_tokens`.execute(db);
}
