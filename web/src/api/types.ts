/**
 * The API objects the console shows, named, each taken from the generated schema (the served
 * contract): a component of the document (`components['schemas']`) where the API names one, else
 * a route's answer. A change of an answer changes these types and breaks the build where used.
 */
import type { paths as AllPaths, components } from './schema';

type Schemas = components['schemas'];
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

export type Me = Get<'/api/v1/me'>;
export type User = Schemas['User'];
export type Membership = Schemas['Membership'];
export type Org = Schemas['Org'];
export type OrgSettings = Org['settings'];
export type Resource = Schemas['Resource'];
export type Role = Schemas['Role'];
export type Person = Schemas['Person'];
export type AccessStatus = Person['accessStatus'];
export type Invitation = Schemas['Invitation'];
export type InvitationStatus = Invitation['status'];
export type InvitationDetail = Schemas['InvitationDetail'];
export type AuditEvent = Schemas['AuditEvent'];
export type Access = Get<'/api/v1/orgs/{orgId}/access'>;
export type AccessItem = Schemas['AccessEntry'];
export type ApiKey = Schemas['ApiKey'];
export type NewApiKey = Schemas['NewApiKey'];
export type Webhook = Schemas['Webhook'];
export type NewWebhook = Schemas['NewWebhook'];
export type Delivery = Schemas['WebhookDelivery'];
export type MailMessage = Schemas['MailboxMessage'];
export type Lookup = Schemas['InvitationLookup'];
export type ImportResult = Schemas['PeopleImport'];
export type BulkResult = Post<'/api/v1/orgs/{orgId}/invitations/bulk'>;
export type NewInvitationBody = AllPaths['/api/v1/orgs/{orgId}/invitations']['post'] extends {
  requestBody: { content: { 'application/json': infer B } };
}
  ? B
  : never;
export type App = Schemas['App'];
export type NewApp = Post<'/api/v1/orgs/{orgId}/apps'>;
export type InteractionDetails = Get<'/api/v1/interactions/{uid}'>;
