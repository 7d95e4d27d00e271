/**
 * Routes of API.md that the server does not serve yet, written by hand in the shape
 * openapi-typescript generates, so the console can be built against the contract while the API
 * is being written. A path the server serves is taken from the generated schema.d.ts instead
 * (`AllPaths` below): once every route is served, this file is empty and can go.
 */
import type { paths } from './schema';

type ErrorBody = { error: { code: string; message: string; details: { path: string; message: string }[] } };
type Json<T> = { headers: Record<string, unknown>; content: { 'application/json': T } };
type Body<T> = { content: { 'application/json': T } };
type Op<Out, In = never, P = never, Q = never> = {
  parameters: { query?: [Q] extends [never] ? never : Q; header?: never; cookie?: never } & ([P] extends [never]
    ? { path?: never }
    : { path: P });
  responses: { 200: Json<Out>; default: Json<ErrorBody> };
} & ([In] extends [never] ? { requestBody?: never } : { requestBody: Body<In> });
type Page<T> = { items: T[]; nextCursor: string | null };
type List = { limit?: number; cursor?: string };
type OrgP = { orgId: string };
type Ts = string;
type NTs = string | null;

type User = {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  status: 'invited' | 'active' | 'disabled';
  emailVerifiedAt: NTs;
  termsAcceptedAt: NTs;
  createdAt: Ts;
  isInstanceAdmin: boolean;
};
type Settings = {
  invitationsPerHour: number;
  autoRenew: boolean;
  invitationTtlDays: number;
  openTracking: boolean;
  reminderDaysBeforeExpiry: number;
  senderName: string | null;
  replyTo: string | null;
};
type Org = { id: string; name: string; settings: Settings; createdAt: Ts };
type Resource = { id: string; orgId: string; kind: string; name: string };
type Role = { key: string; name: string; permissions: string[]; builtIn: boolean };
type AccessStatus =
  | 'not_invited'
  | 'invited'
  | 'opened'
  | 'clicked'
  | 'registered'
  | 'expired'
  | 'declined'
  | 'revoked'
  | 'failed';
type Person = {
  id: string;
  orgId: string;
  firstName: string;
  lastName: string;
  email: string;
  title: string | null;
  resourceId: string | null;
  userId: string | null;
  accessStatus: AccessStatus;
  latestInvitationId: string | null;
};
type Grant = {
  id: string;
  orgId: string;
  userId: string;
  resourceId: string | null;
  role: string;
  createdAt: Ts;
  updatedAt: Ts;
};
type Membership = { org: { id: string; name: string }; resource: Resource | null; role: string; permissions: string[] };
type Status = 'pending' | 'sent' | 'opened' | 'clicked' | 'accepted' | 'declined' | 'revoked' | 'expired' | 'failed';
type Invitation = {
  id: string;
  orgId: string;
  resourceId: string | null;
  role: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  personId: string | null;
  userId: string | null;
  inviter: { type: 'user' | 'api_key'; id: string | null; name: string };
  message: string | null;
  status: Status;
  expiresAt: Ts;
  createdAt: Ts;
  updatedAt: Ts;
  sentAt: NTs;
  openedAt: NTs;
  clickedAt: NTs;
  acceptedAt: NTs;
  declinedAt: NTs;
  revokedAt: NTs;
  expiredAt: NTs;
  failedAt: NTs;
  resendCount: number;
  metadata: Record<string, unknown>;
};
type Event = {
  id: string;
  type: string;
  actor: { type: string; id: string | null; name: string | null };
  data: Record<string, unknown>;
  occurredAt: Ts;
  invitationId: string | null;
  userId: string | null;
  personId: string | null;
};
type NewInvitation = {
  email: string;
  role: string;
  resourceId?: string | null;
  personId?: string;
  firstName?: string;
  lastName?: string;
  message?: string;
  expiresAt?: string;
  createUser?: boolean;
  metadata?: Record<string, unknown>;
};
type ApiKey = {
  id: string;
  name: string;
  permissions: string[];
  createdAt: Ts;
  prefix: string;
  lastUsedAt: NTs;
  revokedAt: NTs;
};
type Webhook = { id: string; url: string; events: string[]; createdAt: Ts };
type Delivery = {
  id: string;
  messageId: string;
  eventType: string | null;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: Ts;
  lastAttemptAt: NTs;
  nextAttemptAt: NTs;
  deliveredAt: NTs;
};
type Token = { token: string };

interface Pending {
  '/api/v1/me': { get: Op<{ user: User; memberships: Membership[]; people: Person[] }> };
  '/api/v1/auth/setup': {
    post: Op<{ user: User }, Token & { email: string; password: string; firstName: string; lastName: string }>;
  };
  '/api/v1/auth/verify-email': { post: Op<{ user: User }, Token> };
  '/api/v1/auth/password-reset': { post: Op<null, { email: string }> };
  '/api/v1/auth/password-reset/confirm': { post: Op<null, Token & { password: string }> };
  '/api/v1/orgs': { get: Op<Page<Org>, never, never, List>; post: Op<Org, { name: string }> };
  '/api/v1/orgs/{orgId}': {
    get: Op<Org, never, OrgP>;
    patch: Op<Org, { name?: string; settings?: Partial<Settings> }, OrgP>;
  };
  '/api/v1/orgs/{orgId}/resources': {
    get: Op<Page<Resource>, never, OrgP, List>;
    post: Op<Resource, { kind: string; name: string }, OrgP>;
  };
  '/api/v1/orgs/{orgId}/resources/{resourceId}': {
    patch: Op<Resource, { kind?: string; name?: string }, OrgP & { resourceId: string }>;
    delete: Op<null, never, OrgP & { resourceId: string }>;
  };
  '/api/v1/orgs/{orgId}/roles': {
    get: Op<Page<Role>, never, OrgP>;
    post: Op<Role, { key: string; name: string; permissions: string[] }, OrgP>;
  };
  '/api/v1/orgs/{orgId}/access': {
    get: Op<
      { items: { user: User; role: string; resourceId: string | null; inherited: boolean }[]; pending: Invitation[] },
      never,
      OrgP,
      { resourceId?: string }
    >;
  };
  '/api/v1/orgs/{orgId}/members/{userId}/grants': {
    put: Op<unknown, { resourceId: string | null; role: string }, OrgP & { userId: string }>;
    delete: Op<null, never, OrgP & { userId: string }, { resourceId?: string }>;
  };
  '/api/v1/orgs/{orgId}/api-keys': {
    get: Op<Page<ApiKey>, never, OrgP>;
    post: Op<ApiKey & { secret: string }, { name: string; permissions: string[] }, OrgP>;
  };
  '/api/v1/orgs/{orgId}/api-keys/{keyId}': { delete: Op<null, never, OrgP & { keyId: string }> };
  '/api/v1/orgs/{orgId}/people': {
    get: Op<Page<Person>, never, OrgP, List & { q?: string; accessStatus?: AccessStatus; resourceId?: string }>;
    post: Op<
      Person,
      { firstName: string; lastName: string; email: string; title?: string; resourceId?: string | null },
      OrgP
    >;
  };
  '/api/v1/orgs/{orgId}/people/import': {
    post: Op<{ created: number; updated: number; errors: { line: number; message: string }[] }, string, OrgP>;
  };
  '/api/v1/orgs/{orgId}/people/{personId}': {
    get: Op<Person, never, OrgP & { personId: string }>;
    patch: Op<
      Person,
      { firstName?: string; lastName?: string; email?: string; title?: string | null; resourceId?: string | null },
      OrgP & { personId: string }
    >;
    delete: Op<null, never, OrgP & { personId: string }>;
  };
  '/api/v1/orgs/{orgId}/invitations': {
    get: Op<
      Page<Invitation>,
      never,
      OrgP,
      List & { status?: Status[]; email?: string; personId?: string; resourceId?: string; q?: string }
    >;
    post: Op<Invitation, NewInvitation, OrgP>;
  };
  '/api/v1/orgs/{orgId}/invitations/bulk': {
    post: Op<
      {
        results: {
          index: number;
          ok: boolean;
          invitation?: Invitation;
          error?: { code: string; message: string; details?: { path: string; message: string }[] };
        }[];
      },
      { invitations: NewInvitation[] },
      OrgP
    >;
  };
  '/api/v1/orgs/{orgId}/invitations/{invitationId}': {
    get: Op<Invitation & { events: Event[] }, never, OrgP & { invitationId: string }>;
    patch: Op<
      Invitation,
      { role?: string; resourceId?: string | null; message?: string | null; expiresAt?: string; email?: string },
      OrgP & { invitationId: string }
    >;
    delete: Op<null, never, OrgP & { invitationId: string }>;
  };
  '/api/v1/orgs/{orgId}/invitations/{invitationId}/resend': {
    post: Op<Invitation, never, OrgP & { invitationId: string }>;
  };
  '/api/v1/orgs/{orgId}/invitations/{invitationId}/revoke': {
    post: Op<Invitation, never, OrgP & { invitationId: string }>;
  };
  '/api/v1/orgs/{orgId}/events': {
    get: Op<Page<Event>, never, OrgP, List & { invitationId?: string; type?: string }>;
  };
  '/api/v1/invitations/lookup': {
    post: Op<
      {
        invitation: {
          orgName: string;
          resourceName: string | null;
          roleName: string;
          inviterName: string;
          email: string;
          expiresAt: Ts;
          status: Status;
          firstName: string | null;
          lastName: string | null;
          message: string | null;
        };
        account: { exists: boolean; signedIn: boolean; signedInEmail: string | null; emailMatches: boolean };
      },
      Token
    >;
  };
  '/api/v1/invitations/accept': { post: Op<{ membership: Grant }, Token> };
  '/api/v1/invitations/register': {
    post: Op<
      { user: User; membership: Grant },
      Token & { firstName: string; lastName: string; password: string; acceptTerms: boolean }
    >;
  };
  '/api/v1/invitations/decline': { post: Op<unknown, Token> };
  '/api/v1/invitations/renew': { post: Op<unknown, Token> };
  '/api/v1/orgs/{orgId}/webhooks': {
    get: Op<Page<Webhook>, never, OrgP>;
    post: Op<Webhook & { secret: string }, { url: string; events: string[] }, OrgP>;
  };
  '/api/v1/orgs/{orgId}/webhooks/{webhookId}': { delete: Op<null, never, OrgP & { webhookId: string }> };
  '/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries': {
    get: Op<Page<Delivery>, never, OrgP & { webhookId: string }, List>;
  };
  '/api/v1/dev/mailbox': {
    get: Op<
      Page<{ id: string; to: string; subject: string; text: string; html: string; sentAt: Ts }>,
      never,
      never,
      List & { to?: string }
    >;
  };
}

/** Served paths from the generated schema; the rest from the hand-written contract above. */
export type AllPaths = paths & Omit<Pending, keyof paths>;
