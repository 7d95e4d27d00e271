/**
 * The API objects the console shows, named, each taken from the generated schema (the served
 * contract): a change of a route's answer changes these types and breaks the build where used.
 */
import type { paths as AllPaths } from './schema';

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Ok<Op> = Op extends { responses: infer R }
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer B }
      ? JsonOf<B>
      : never
  : never;
type Get<P extends keyof AllPaths> = AllPaths[P] extends { get: infer Op } ? Ok<Op> : never;
type Post<P extends keyof AllPaths> = AllPaths[P] extends { post: infer Op } ? Ok<Op> : never;
type Items<T> = T extends { items: (infer I)[] } ? I : never;

export type Me = Get<'/api/v1/me'>;
export type User = Me['user'];
export type Membership = Me['memberships'][number];
export type Org = Get<'/api/v1/orgs/{orgId}'>;
export type OrgSettings = Org['settings'];
export type Resource = Items<Get<'/api/v1/orgs/{orgId}/resources'>>;
export type Role = Items<Get<'/api/v1/orgs/{orgId}/roles'>>;
export type Person = Items<Get<'/api/v1/orgs/{orgId}/people'>>;
export type AccessStatus = Person['accessStatus'];
export type Invitation = Items<Get<'/api/v1/orgs/{orgId}/invitations'>>;
export type InvitationStatus = Invitation['status'];
export type InvitationDetail = Get<'/api/v1/orgs/{orgId}/invitations/{id}'>;
export type AuditEvent = Items<Get<'/api/v1/orgs/{orgId}/events'>>;
export type Access = Get<'/api/v1/orgs/{orgId}/access'>;
export type AccessItem = Access['items'][number];
export type ApiKey = Items<Get<'/api/v1/orgs/{orgId}/api-keys'>>;
export type NewApiKey = Post<'/api/v1/orgs/{orgId}/api-keys'>;
export type Webhook = Items<Get<'/api/v1/orgs/{orgId}/webhooks'>>;
export type NewWebhook = Post<'/api/v1/orgs/{orgId}/webhooks'>;
export type Delivery = Items<Get<'/api/v1/orgs/{orgId}/webhooks/{webhookId}/deliveries'>>;
export type MailMessage = Items<Get<'/api/v1/dev/mailbox'>>;
export type Lookup = Post<'/api/v1/invitations/lookup'>;
export type ImportResult = Post<'/api/v1/orgs/{orgId}/people/import'>;
export type BulkResult = Post<'/api/v1/orgs/{orgId}/invitations/bulk'>;
export type NewInvitationBody = AllPaths['/api/v1/orgs/{orgId}/invitations']['post'] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;
export type App = Items<Get<'/api/v1/orgs/{orgId}/apps'>>;
export type NewApp = Post<'/api/v1/orgs/{orgId}/apps'>;
export type InteractionDetails = Get<'/api/v1/interactions/{uid}'>;
