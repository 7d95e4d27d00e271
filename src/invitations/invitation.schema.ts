/**
 * Request and answer schemas of the invitation routes (docs/http-api.md, Invitations). The OpenAPI
 * document is generated from them.
 */
import { type Static, Type } from 'typebox';
import { UserSchema } from '../auth/user.presenter.js';
import { component, ListQuery, NamedComponent, NullableInput, Page, Timestamp, Uuid } from '../http/schemas.js';
import { GrantSchema } from '../orgs/grant.presenter.js';
import { EventSchema } from '../events/event.schema.js';
import { InvitationSchema, InvitationSortSchema, InvitationStatusSchema } from './invitation.presenter.js';

const MESSAGE_MAX = 2000;
export const METADATA_MAX_BYTES = 4096;
/** Levels of nesting in invitation metadata, the object itself counting as one. */
export const METADATA_MAX_DEPTH = 10;
export const BULK_MAX = 1000;

const RoleKey = Type.String({ minLength: 1, maxLength: 64 });
/** The app the invitee lands in after accepting, and the address in it (docs/rules.md R60). */
const AppId = Type.Union([Uuid, Type.Null()]);
export const ReturnTo = NullableInput(Type.String({ minLength: 1, maxLength: 2000 }));
const Name = Type.String({ maxLength: 100 });

export const CreateInvitationBody = Type.Object(
  {
    email: Type.String({ maxLength: 320 }),
    role: RoleKey,
    resourceId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    personId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    firstName: Type.Optional(Name),
    lastName: Type.Optional(Name),
    message: Type.Optional(NullableInput(Type.String({ maxLength: MESSAGE_MAX }))),
    expiresAt: Type.Optional(Timestamp),
    /** User-first flow: create the user record (status `invited`) with the invitation. */
    createUser: Type.Optional(Type.Boolean()),
    /** Caller's own data, returned as given: a JSON object of at most 4 KB and 10 levels, without NUL bytes. */
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Neither given: the org's default landing; `appId: null`: none. */
    appId: Type.Optional(AppId),
    returnTo: Type.Optional(ReturnTo),
  },
  { additionalProperties: false },
);
export type CreateInvitationBody = Static<typeof CreateInvitationBody>;

/** The email a create would send (docs/rules.md R90): an inert link, no tracking pixel. */
export const InvitationPreviewComponent = component(
  'InvitationPreview',
  Type.Object({
    subject: Type.String(),
    /** `Name <address>`: the org's sender name when it has one (and is trusted), with MAIL_FROM's address. */
    from: Type.String(),
    to: Type.String(),
    /** The HTML part; show it only in a sandboxed frame. */
    html: Type.String(),
    text: Type.String(),
  }),
);

/** Items are checked one by one in the service, so one bad item fails alone. */
export const BulkBody = Type.Object(
  { invitations: Type.Array(Type.Unknown()) },
  { additionalProperties: false },
);

const ItemError = Type.Object({
  code: Type.String(),
  message: Type.String(),
  details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
});

/** One item of a bulk create, answered on its own: the invitation, or why it failed. */
export const BulkResultComponent = component(
  'BulkResult',
  Type.Object({
    index: Type.Integer(),
    ok: Type.Boolean(),
    /** True when the item created a new invitation; false when it is the live one already there. */
    created: Type.Optional(Type.Boolean()),
    invitation: Type.Optional(InvitationSchema),
    error: Type.Optional(ItemError),
  }),
);

export const BulkAnswer = Type.Object({ results: Type.Array(BulkResultComponent.ref) });

export const InvitationParams = Type.Object({ orgId: Uuid, id: Uuid });
export const PersonInvitationParams = Type.Object({ orgId: Uuid, personId: Uuid });

export const ListInvitationsQuery = Type.Object(
  {
    status: Type.Optional(Type.Array(InvitationStatusSchema, { maxItems: 9 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    personId: Type.Optional(Uuid),
    resourceId: Type.Optional(Uuid),
    userId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    sort: Type.Optional(InvitationSortSchema),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type ListInvitationsQuery = Static<typeof ListInvitationsQuery>;

export const InvitationPage = Page(InvitationSchema);

/** One invitation with its timeline, oldest event first. */
export const InvitationDetailComponent = component('InvitationDetail', Type.Intersect([InvitationSchema, Type.Object({ events: Type.Array(EventSchema) })]));
export const InvitationWithEvents = InvitationDetailComponent.ref;

export const PatchInvitationBody = Type.Object(
  {
    role: Type.Optional(RoleKey),
    resourceId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    message: Type.Optional(NullableInput(Type.String({ maxLength: MESSAGE_MAX }))),
    expiresAt: Type.Optional(Timestamp),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    /** A new app resets `returnTo` unless the same change sets it; `appId: null` clears both. */
    appId: Type.Optional(AppId),
    returnTo: Type.Optional(ReturnTo),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchInvitationBody = Static<typeof PatchInvitationBody>;

// ---------------------------------------------------------------------------------------------
// invitee side

export const TokenBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

const NullableText = Type.Union([Type.String(), Type.Null()]);

/** An invitation as its invitee sees it: who invites them, to what, until when. */
export const PublicInvitationComponent = component(
  'PublicInvitation',
  Type.Object({
    /** The org's logo, colour (with the text colour readable on it) and terms link (docs/rules.md R70–R72). */
    branding: Type.Object({
      logoUrl: NullableText,
      brandColor: NullableText,
      brandTextColor: NullableText,
      termsUrl: NullableText,
    }),
    /** One line on what the role allows (docs/rules.md R73); null on answers that do not show it. */
    roleSummary: NullableText,
    orgName: Type.String(),
    resourceName: Type.Union([Type.String(), Type.Null()]),
    roleName: Type.String(),
    inviterName: Type.String(),
    email: Type.String(),
    /** Prefill for the registration form (from the person record or the invitation). */
    firstName: Type.Union([Type.String(), Type.Null()]),
    lastName: Type.Union([Type.String(), Type.Null()]),
    message: Type.Union([Type.String(), Type.Null()]),
    expiresAt: Timestamp,
    status: InvitationStatusSchema,
  }),
);
const PublicInvitationSchema = PublicInvitationComponent.ref;

/** The invitation behind a token, and how the invitee's account stands to it. */
export const InvitationLookupComponent = component(
  'InvitationLookup',
  Type.Object({
    invitation: PublicInvitationSchema,
    account: Type.Object({
      exists: Type.Boolean(),
      signedIn: Type.Boolean(),
      signedInEmail: Type.Union([Type.String(), Type.Null()]),
      emailMatches: Type.Boolean(),
    }),
  }),
);
export const LookupAnswer = InvitationLookupComponent.ref;

/** Where the browser goes after the accept (docs/rules.md R62). */
const AfterAcceptFields = {
  next: Type.Union([Type.String(), Type.Null()], {
    description:
      "Where the browser goes now: the app's initiate-login URI (with iss, login_hint and target_link_uri) or the invitation's returnTo; null when the invitation names no app.",
  }),
  app: Type.Union([NamedComponent.ref, Type.Null()]),
  consoleAccess: Type.Boolean({ description: "Whether the role granted can use Gatehouse's console." }),
};

export const AcceptAnswer = Type.Object({ membership: GrantSchema, ...AfterAcceptFields });

export const RegisterBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 200 }),
    firstName: Type.String({ minLength: 1, maxLength: 100 }),
    lastName: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ maxLength: 1024 }),
    acceptTerms: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const RegisterAnswer = Type.Object({ user: UserSchema, membership: GrantSchema, ...AfterAcceptFields });

export const DeclineAnswer = Type.Object({ invitation: PublicInvitationSchema });
