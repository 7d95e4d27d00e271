/**
 * Request and answer schemas of the invitation routes (docs/http-api.md, Invitations). The OpenAPI
 * document is generated from them.
 */
import { type Static, Type } from 'typebox';
import { UserSchema } from '../auth/user.presenter.js';
import { ListQuery, NullableInput, Page, Timestamp, Uuid } from '../http/schemas.js';
import { EventSchema } from '../events/event.schema.js';
import { InvitationSchema, InvitationStatusSchema } from './invitation.presenter.js';

const MESSAGE_MAX = 2000;
export const METADATA_MAX_BYTES = 4096;
/** Levels of nesting in invitation metadata, the object itself counting as one. */
export const METADATA_MAX_DEPTH = 10;
export const BULK_MAX = 1000;

const RoleKey = Type.String({ minLength: 1, maxLength: 64 });
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
  },
  { additionalProperties: false },
);
export type CreateInvitationBody = Static<typeof CreateInvitationBody>;

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

export const BulkAnswer = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      ok: Type.Boolean(),
      /** True when the item created a new invitation; false when it is the live one already there. */
      created: Type.Optional(Type.Boolean()),
      invitation: Type.Optional(InvitationSchema),
      error: Type.Optional(ItemError),
    }),
  ),
});

export const InvitationParams = Type.Object({ orgId: Uuid, id: Uuid });

export const ListInvitationsQuery = Type.Object(
  {
    status: Type.Optional(Type.Array(InvitationStatusSchema, { maxItems: 9 })),
    email: Type.Optional(Type.String({ maxLength: 320 })),
    personId: Type.Optional(Uuid),
    resourceId: Type.Optional(Uuid),
    userId: Type.Optional(Uuid),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type ListInvitationsQuery = Static<typeof ListInvitationsQuery>;

export const InvitationPage = Page(InvitationSchema);

export const InvitationWithEvents = Type.Intersect([InvitationSchema, Type.Object({ events: Type.Array(EventSchema) })]);

export const PatchInvitationBody = Type.Object(
  {
    role: Type.Optional(RoleKey),
    resourceId: Type.Optional(Type.Union([Uuid, Type.Null()])),
    message: Type.Optional(NullableInput(Type.String({ maxLength: MESSAGE_MAX }))),
    expiresAt: Type.Optional(Timestamp),
    email: Type.Optional(Type.String({ maxLength: 320 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchInvitationBody = Static<typeof PatchInvitationBody>;

// ---------------------------------------------------------------------------------------------
// invitee side

export const TokenBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

const NullableText = Type.Union([Type.String(), Type.Null()]);

const PublicInvitationSchema = Type.Object({
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
});

export const LookupAnswer = Type.Object({
  invitation: PublicInvitationSchema,
  account: Type.Object({
    exists: Type.Boolean(),
    signedIn: Type.Boolean(),
    signedInEmail: Type.Union([Type.String(), Type.Null()]),
    emailMatches: Type.Boolean(),
  }),
});

export const MembershipSchema = Type.Object({
  id: Uuid,
  orgId: Uuid,
  userId: Uuid,
  resourceId: Type.Union([Uuid, Type.Null()]),
  role: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const AcceptAnswer = Type.Object({ membership: MembershipSchema });

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

export const RegisterAnswer = Type.Object({ user: UserSchema, membership: MembershipSchema });

export const DeclineAnswer = Type.Object({ invitation: PublicInvitationSchema });
