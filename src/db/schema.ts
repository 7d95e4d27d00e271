/**
 * Table row types (snake_case, as stored). API objects are camelCase and built by presenters,
 * so a column such as `token_hash` can never leave the server by accident.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** jsonb: written as JSON text (JSON.stringify) so both drivers store the same thing. */
type Json<T> = ColumnType<T, string, string>;
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = Record<string, JsonValue>;

export type UserStatus = 'invited' | 'active' | 'disabled';

export interface UsersTable {
  id: Generated<string>;
  /** Canonical: trimmed and lower-cased; unique. */
  email: string;
  first_name: string;
  last_name: string;
  password_hash: string | null;
  status: UserStatus;
  is_instance_admin: Generated<boolean>;
  email_verified_at: Timestamp | null;
  terms_accepted_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  /** SHA-256 of the cookie value, hex. */
  token_hash: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export type AuthTokenPurpose = 'verify_email' | 'password_reset' | 'setup';

export interface AuthTokensTable {
  id: Generated<string>;
  user_id: string | null;
  purpose: AuthTokenPurpose;
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface OrgsTable {
  id: Generated<string>;
  name: string;
  invitation_ttl_days: Generated<number>;
  open_tracking: Generated<boolean>;
  reminder_days_before_expiry: Generated<number>;
  sender_name: string | null;
  reply_to: string | null;
  invitations_per_hour: Generated<number>;
  /** When an expired link asks for renewal: false tells the inviter, true sends a fresh invitation. */
  auto_renew: Generated<boolean>;
  /**
   * Set by an operator (or at creation by an instance admin): the org's own name and sender
   * name may appear in the subject and From of its emails, and its quota ceiling is
   * INVITATION_QUOTA_MAX rather than SELF_SERVICE_QUOTA_MAX.
   */
  trusted: Generated<boolean>;
  /** The app and address an invitation lands in when it names none; cleared when the app is deleted. */
  default_app_id: Generated<string | null>;
  default_return_to: Generated<string | null>;
  /** An https URL of the org's logo (docs/rules.md R70); null when none or uploaded. */
  logo_url: string | null;
  /** The version of the uploaded logo in `org_logos`; null when none was uploaded. */
  logo_digest: string | null;
  /** `#rrggbb`, lower case; null: Gatehouse's own colour. */
  brand_color: string | null;
  /** An https URL of the org's terms; null: the instance's TERMS_URL. */
  terms_url: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface OrgLogosTable {
  org_id: string;
  content_type: 'image/png' | 'image/jpeg';
  bytes: Uint8Array;
  digest: string;
  updated_at: Timestamp;
}

export interface ResourcesTable {
  id: Generated<string>;
  org_id: string;
  kind: string;
  name: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface RolesTable {
  org_id: string;
  key: string;
  name: string;
  permissions: Json<string[]>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface GrantsTable {
  id: Generated<string>;
  org_id: string;
  user_id: string;
  resource_id: string | null;
  role: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  permissions: Json<string[]>;
  /** The first characters of the secret, for recognising a key in the console. */
  prefix: string;
  secret_hash: string;
  created_by: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface PeopleTable {
  id: Generated<string>;
  org_id: string;
  first_name: string;
  last_name: string;
  email: string;
  title: string | null;
  resource_id: string | null;
  user_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type InvitationStatus =
  | 'pending'
  | 'sent'
  | 'opened'
  | 'clicked'
  | 'accepted'
  | 'declined'
  | 'revoked'
  | 'expired'
  | 'failed';

export type ActorType = 'user' | 'api_key' | 'invitee' | 'system';

export interface InvitationsTable {
  id: Generated<string>;
  org_id: string;
  resource_id: string | null;
  role: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  person_id: string | null;
  user_id: string | null;
  inviter_type: 'user' | 'api_key';
  inviter_id: string | null;
  inviter_name: string;
  message: string | null;
  metadata: Json<JsonObject>;
  status: InvitationStatus;
  token_hash: string | null;
  /** Opaque id of the open-tracking pixel; never the token. */
  tracking_id: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
  updated_at: Timestamp;
  sent_at: Timestamp | null;
  opened_at: Timestamp | null;
  last_opened_at: Timestamp | null;
  clicked_at: Timestamp | null;
  accepted_at: Timestamp | null;
  declined_at: Timestamp | null;
  revoked_at: Timestamp | null;
  expired_at: Timestamp | null;
  failed_at: Timestamp | null;
  reminded_at: Timestamp | null;
  last_sent_at: Timestamp | null;
  resend_count: Generated<number>;
  /** When the current token was minted (create, resend, correction): the resend cooldown reads it. */
  token_issued_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** The org's app the invitee lands in after accepting (null: none); nulled when the app is deleted. */
  app_id: string | null;
  /** The address in that app (one of its redirect URIs or on one of its origins); cleared with the app. */
  return_to: string | null;
}

/** The per-org hourly invitation quota, striped over a few rows per hour (see 0002_invitations_lifecycle). */
export interface InvitationQuotaCountersTable {
  org_id: string;
  window_start: Timestamp;
  shard: number;
  count: number;
}

export interface EventsTable {
  id: Generated<string>;
  /** Insertion order; ties on occurred_at are broken by it. */
  seq: Generated<number>;
  type: string;
  org_id: string | null;
  invitation_id: string | null;
  user_id: string | null;
  person_id: string | null;
  actor_type: ActorType;
  actor_id: string | null;
  /** Display name at the time; cleared to an anonymous label when the actor's account is deleted. */
  actor_label: string | null;
  /** The app a widget token acted through (the actor is its user); null otherwise. */
  actor_app_id: string | null;
  data: Json<JsonObject>;
  occurred_at: Timestamp;
}

export type OutboxKind = 'email' | 'webhook';
export type OutboxStatus = 'pending' | 'sent' | 'failed';

export interface OutboxTable {
  id: Generated<string>;
  kind: OutboxKind;
  org_id: string | null;
  invitation_id: string | null;
  webhook_endpoint_id: string | null;
  /** What the row is about within its kind (an email's template); selectors match on it (migration 0004). */
  topic: string | null;
  /** Stable across retries, so a duplicate after a crash is recognisable. */
  message_id: string;
  payload: Json<JsonObject>;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  lease_until: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  /** When the latest delivery attempt ended (migration 0002_mail_delivery_log). */
  last_attempt_at: Timestamp | null;
  /** SMTP reply code or HTTP status of the latest attempt, when the server answered. */
  response_status: number | null;
}

export interface MailboxTable {
  id: Generated<string>;
  outbox_id: string | null;
  message_id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  sent_at: Timestamp;
  /** `Name <address>` as the From header would carry it. */
  sender: Generated<string>;
  reply_to: string | null;
}

export interface WebhookEndpointsTable {
  id: Generated<string>;
  org_id: string;
  url: string;
  events: Json<string[]>;
  /** `whsec_…`; kept because every delivery is signed with it. */
  secret: string;
  created_at: CreatedAt;
}

export type AppType = 'confidential' | 'public';

/** A host application registered by an org: an OpenID Connect client. */
export interface AppsTable {
  id: Generated<string>;
  org_id: string;
  name: string;
  type: AppType;
  /** Public identifier (`client_id`); unique across the instance. */
  client_id: string;
  /** SHA-256 of the client secret, hex; set exactly when `type` is confidential. */
  client_secret_hash: string | null;
  /** Exact-match lists. */
  redirect_uris: Json<string[]>;
  post_logout_redirect_uris: Json<string[]>;
  /** Web origins (scheme://host[:port]) the app's pages run on. */
  allowed_origins: Json<string[]>;
  initiate_login_uri: string | null;
  /** First-party apps skip the consent screen. */
  first_party: Generated<boolean>;
  secret_rotated_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** A widget token: only its SHA-256 is kept (docs/rules.md R80). */
export interface WidgetTokensTable {
  id: Generated<string>;
  token_hash: string;
  org_id: string;
  app_id: string;
  user_id: string;
  /** The API key that minted it: revoking the key ends its tokens. */
  api_key_id: string;
  resource_id: string | null;
  /** What the token allows: the requested scopes the key and the user both held at mint. */
  scopes: Json<string[]>;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

/** What oidc-provider persists, one row per model and id (oidc/oidc-payload.repository.ts). */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: Json<JsonObject>;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  /** The Gatehouse user the row belongs to, so their tokens and sessions can be revoked. */
  account_id: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

/** The provider's signing keys; the newest not superseded one signs. */
export interface OidcSigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: Json<JsonObject>;
  /** AES-256-GCM under a key derived (HKDF) from SECRET_KEY: iv.tag.ciphertext, base64url. */
  private_jwk_encrypted: string;
  created_at: CreatedAt;
  superseded_at: Timestamp | null;
}

export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  auth_tokens: AuthTokensTable;
  orgs: OrgsTable;
  org_logos: OrgLogosTable;
  resources: ResourcesTable;
  roles: RolesTable;
  grants: GrantsTable;
  api_keys: ApiKeysTable;
  people: PeopleTable;
  invitations: InvitationsTable;
  invitation_quota_counters: InvitationQuotaCountersTable;
  events: EventsTable;
  outbox: OutboxTable;
  mailbox: MailboxTable;
  webhook_endpoints: WebhookEndpointsTable;
  apps: AppsTable;
  oidc_payloads: OidcPayloadsTable;
  oidc_signing_keys: OidcSigningKeysTable;
  widget_tokens: WidgetTokensTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type OrgRow = Selectable<OrgsTable>;
export type ResourceRow = Selectable<ResourcesTable>;
export type RoleRow = Selectable<RolesTable>;
export type GrantRow = Selectable<GrantsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type PersonRow = Selectable<PeopleTable>;
export type InvitationRow = Selectable<InvitationsTable>;
export type NewInvitation = Insertable<InvitationsTable>;
export type EventRow = Selectable<EventsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type AppRow = Selectable<AppsTable>;
export type WidgetTokenRow = Selectable<WidgetTokensTable>;
export type MailboxRow = Selectable<MailboxTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
