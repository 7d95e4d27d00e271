/**
 * The OpenID provider's storage (docs/architecture.md): one table for everything oidc-provider
 * persists (sessions, interactions, codes, tokens, grants: a model name, an id and the payload,
 * with the columns it looks up by), and the provider's signing keys, their private parts
 * encrypted under a key derived from SECRET_KEY.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table oidc_payloads (
    model text not null,
    id text not null,
    payload jsonb not null,
    grant_id text,
    uid text,
    user_code text,
    account_id text,
    expires_at timestamptz,
    consumed_at timestamptz,
    primary key (model, id)
  )`.execute(db);
  await sql`create index oidc_payloads_grant_idx on oidc_payloads (grant_id) where grant_id is not null`.execute(db);
  await sql`create index oidc_payloads_uid_idx on oidc_payloads (uid) where uid is not null`.execute(db);
  await sql`create index oidc_payloads_account_idx on oidc_payloads (account_id) where account_id is not null`.execute(db);
  await sql`create index oidc_payloads_expires_idx on oidc_payloads (expires_at) where expires_at is not null`.execute(db);
  await sql`create table oidc_signing_keys (
    kid text primary key,
    alg text not null,
    public_jwk jsonb not null,
    private_jwk_encrypted text not null,
    created_at timestamptz not null default now(),
    superseded_at timestamptz
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table oidc_signing_keys`.execute(db);
  await sql`drop table oidc_payloads`.execute(db);
}
