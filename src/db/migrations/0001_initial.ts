/**
 * The initial schema: every table of the domain (docs/rules.md). Constraints carry the rules that
 * must hold under concurrency (one pending invitation per email/org/resource, one grant per
 * user/org/resource, unique canonical emails), so a race loses at the database, not in code.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const id = sql`uuid primary key default gen_random_uuid()`;
  const now = sql`timestamptz not null default now()`;

  await sql`create table users (
    id ${id},
    email text not null unique check (email = lower(btrim(email))),
    first_name text not null default '',
    last_name text not null default '',
    password_hash text,
    status text not null check (status in ('invited', 'active', 'disabled')),
    is_instance_admin boolean not null default false,
    email_verified_at timestamptz,
    terms_accepted_at timestamptz,
    created_at ${now},
    updated_at ${now}
  )`.execute(db);

  await sql`create table sessions (
    id ${id},
    user_id uuid not null references users (id) on delete cascade,
    token_hash text not null unique,
    created_at ${now},
    last_seen_at ${now},
    idle_expires_at timestamptz not null,
    expires_at timestamptz not null,
    ip text,
    user_agent text
  )`.execute(db);
  await sql`create index sessions_user_idx on sessions (user_id)`.execute(db);

  await sql`create table auth_tokens (
    id ${id},
    user_id uuid references users (id) on delete cascade,
    purpose text not null check (purpose in ('verify_email', 'password_reset', 'setup')),
    token_hash text not null unique,
    expires_at timestamptz not null,
    used_at timestamptz,
    created_at ${now}
  )`.execute(db);

  await sql`create table orgs (
    id ${id},
    name text not null check (length(name) between 1 and 200),
    invitation_ttl_days integer not null default 30 check (invitation_ttl_days between 1 and 90),
    open_tracking boolean not null default true,
    reminder_days_before_expiry integer not null default 0 check (reminder_days_before_expiry between 0 and 89),
    sender_name text,
    reply_to text,
    invitations_per_hour integer not null default 1000 check (invitations_per_hour between 1 and 1000000),
    auto_renew boolean not null default false,
    created_at ${now},
    updated_at ${now}
  )`.execute(db);

  await sql`create table resources (
    id ${id},
    org_id uuid not null references orgs (id) on delete cascade,
    kind text not null,
    name text not null,
    created_at ${now},
    updated_at ${now},
    unique (org_id, id)
  )`.execute(db);

  await sql`create table roles (
    org_id uuid not null references orgs (id) on delete cascade,
    key text not null,
    name text not null,
    permissions jsonb not null default '[]',
    created_at ${now},
    updated_at ${now},
    primary key (org_id, key)
  )`.execute(db);

  // resource_id must belong to the same org: the composite foreign key enforces it.
  await sql`create table grants (
    id ${id},
    org_id uuid not null references orgs (id) on delete cascade,
    user_id uuid not null references users (id) on delete cascade,
    resource_id uuid,
    role text not null,
    created_at ${now},
    updated_at ${now},
    foreign key (org_id, resource_id) references resources (org_id, id) on delete cascade
  )`.execute(db);
  await sql`create unique index grants_one_per_scope on grants (org_id, user_id, resource_id) nulls not distinct`.execute(
    db,
  );
  await sql`create index grants_user_idx on grants (user_id)`.execute(db);

  await sql`create table api_keys (
    id ${id},
    org_id uuid not null references orgs (id) on delete cascade,
    name text not null,
    permissions jsonb not null default '[]',
    prefix text not null,
    secret_hash text not null unique,
    created_by uuid references users (id) on delete set null,
    created_at ${now},
    last_used_at timestamptz,
    revoked_at timestamptz
  )`.execute(db);

  await sql`create table people (
    id ${id},
    org_id uuid not null references orgs (id) on delete cascade,
    first_name text not null,
    last_name text not null,
    email text not null check (email = lower(btrim(email))),
    title text,
    resource_id uuid,
    user_id uuid references users (id) on delete set null,
    created_at ${now},
    updated_at ${now},
    unique (org_id, email),
    unique (org_id, id),
    foreign key (org_id, resource_id) references resources (org_id, id) on delete set null (resource_id)
  )`.execute(db);
  await sql`create index people_org_name_idx on people (org_id, last_name, first_name, id)`.execute(db);
  await sql`create index people_user_idx on people (user_id)`.execute(db);

  await sql`create table invitations (
    id ${id},
    org_id uuid not null references orgs (id) on delete cascade,
    resource_id uuid,
    role text not null,
    email text not null check (email = lower(btrim(email))),
    first_name text,
    last_name text,
    person_id uuid,
    user_id uuid references users (id) on delete set null,
    inviter_type text not null check (inviter_type in ('user', 'api_key')),
    inviter_id uuid,
    inviter_name text not null,
    message text check (length(message) <= 2000),
    metadata jsonb not null default '{}',
    status text not null check (status in
      ('pending', 'sent', 'opened', 'clicked', 'accepted', 'declined', 'revoked', 'expired', 'failed')),
    token_hash text unique,
    tracking_id text not null unique,
    expires_at timestamptz not null,
    created_at ${now},
    updated_at ${now},
    sent_at timestamptz,
    opened_at timestamptz,
    last_opened_at timestamptz,
    clicked_at timestamptz,
    accepted_at timestamptz,
    declined_at timestamptz,
    revoked_at timestamptz,
    expired_at timestamptz,
    failed_at timestamptz,
    reminded_at timestamptz,
    last_sent_at timestamptz,
    resend_count integer not null default 0,
    foreign key (org_id, resource_id) references resources (org_id, id) on delete cascade,
    foreign key (org_id, person_id) references people (org_id, id) on delete set null (person_id)
  )`.execute(db);
  // docs/rules.md R8: one live invitation per email, org and resource (org-wide counts as one scope).
  await sql`create unique index invitations_one_live on invitations (org_id, email, resource_id) nulls not distinct
    where status in ('pending', 'sent', 'opened', 'clicked')`.execute(db);
  await sql`create index invitations_org_list_idx on invitations (org_id, created_at desc, id desc)`.execute(db);
  await sql`create index invitations_email_idx on invitations (email)`.execute(db);
  await sql`create index invitations_person_idx on invitations (person_id, created_at desc)`.execute(db);
  await sql`create index invitations_live_expiry_idx on invitations (expires_at)
    where status in ('pending', 'sent', 'opened', 'clicked')`.execute(db);

  // Append-only: subjects are plain ids (no foreign keys) so the trail outlives what it describes.
  await sql`create table events (
    id ${id},
    seq bigint generated always as identity,
    type text not null,
    org_id uuid,
    invitation_id uuid,
    user_id uuid,
    person_id uuid,
    actor_type text not null check (actor_type in ('user', 'api_key', 'invitee', 'system')),
    actor_id uuid,
    actor_label text,
    data jsonb not null default '{}',
    occurred_at timestamptz not null
  )`.execute(db);
  await sql`create index events_org_idx on events (org_id, seq desc)`.execute(db);
  await sql`create index events_invitation_idx on events (invitation_id, seq)`.execute(db);
  await sql`create index events_actor_idx on events (actor_id)`.execute(db);

  await sql`create table outbox (
    id ${id},
    kind text not null check (kind in ('email', 'webhook')),
    org_id uuid,
    invitation_id uuid,
    webhook_endpoint_id uuid,
    message_id text not null unique,
    payload jsonb not null,
    status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    lease_until timestamptz,
    last_error text,
    created_at ${now},
    sent_at timestamptz
  )`.execute(db);
  await sql`create index outbox_due_idx on outbox (next_attempt_at) where status = 'pending'`.execute(db);
  await sql`create index outbox_invitation_idx on outbox (invitation_id)`.execute(db);
  await sql`create index outbox_endpoint_idx on outbox (webhook_endpoint_id, created_at desc)`.execute(db);

  await sql`create table mailbox (
    id ${id},
    outbox_id uuid,
    message_id text not null,
    "to" text not null,
    subject text not null,
    text text not null,
    html text not null,
    sent_at timestamptz not null
  )`.execute(db);
  await sql`create index mailbox_sent_idx on mailbox (sent_at desc, id desc)`.execute(db);

  await sql`create table webhook_endpoints (
    id ${id},
    org_id uuid not null references orgs (id) on delete cascade,
    url text not null,
    events jsonb not null default '[]',
    secret text not null,
    created_at ${now}
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'webhook_endpoints',
    'mailbox',
    'outbox',
    'events',
    'invitations',
    'people',
    'api_keys',
    'grants',
    'roles',
    'resources',
    'orgs',
    'auth_tokens',
    'sessions',
    'users',
  ]) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
