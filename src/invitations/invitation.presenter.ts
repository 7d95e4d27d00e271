/**
 * The API's `Invitation`. The token digest and tracking id are not part of it: the token is
 * never returned by any API (docs/rules.md R1).
 */
import { Type } from 'typebox';
import { sortNames } from '../db/keyset.js';
import type { InvitationRow, OrgRow } from '../db/schema.js';
import { roleSummary } from '../auth/permissions.js';
import { readableTextOn } from '../common/color.js';
import { logoPath } from '../orgs/org.presenter.js';
import { component, NullableTimestamp, Timestamp, Uuid } from '../http/schemas.js';
import { LIVE_STATUSES } from '../common/invitation-states.js';

export { LIVE_STATUSES };

export const INVITATION_STATUSES = [
  'pending',
  'sent',
  'opened',
  'clicked',
  'accepted',
  'declined',
  'revoked',
  'expired',
  'failed',
] as const;

export const InvitationStatusSchema = Type.Enum(INVITATION_STATUSES);

/** What the invitation list sorts by (docs/rules.md R91): `?sort=` is one of these, `-` first for descending; `-createdAt` by default. */
export const INVITATION_SORT_KEYS = ['createdAt', 'email', 'expiresAt'] as const;
export type InvitationSortKey = (typeof INVITATION_SORT_KEYS)[number];
export const InvitationSortSchema = Type.Enum(sortNames(INVITATION_SORT_KEYS));
export type InvitationSort = ReturnType<typeof sortNames<InvitationSortKey>>[number];

export const InvitationComponent = component(
  'Invitation',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    resourceId: Type.Union([Uuid, Type.Null()]),
    role: Type.String(),
    email: Type.String(),
    firstName: Type.Union([Type.String(), Type.Null()]),
    lastName: Type.Union([Type.String(), Type.Null()]),
    personId: Type.Union([Uuid, Type.Null()]),
    userId: Type.Union([Uuid, Type.Null()]),
    inviter: Type.Object({
      type: Type.Union([Type.Literal('user'), Type.Literal('api_key')]),
      id: Type.Union([Uuid, Type.Null()]),
      name: Type.String(),
  }),
  message: Type.Union([Type.String(), Type.Null()]),
  status: InvitationStatusSchema,
  expiresAt: Timestamp,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  sentAt: Type.Union([Timestamp, Type.Null()], {
    description: 'When the mail server first took an email of this invitation (the first send; a resend does not change it).',
  }),
  lastSentAt: Type.Union([Timestamp, Type.Null()], {
    description:
      'When the mail server took the email with the link that works now: null after a resend or an email correction until the new link has gone out.',
  }),
  openedAt: NullableTimestamp,
  clickedAt: NullableTimestamp,
  acceptedAt: NullableTimestamp,
  declinedAt: NullableTimestamp,
  revokedAt: NullableTimestamp,
  expiredAt: NullableTimestamp,
  failedAt: NullableTimestamp,
  resendCount: Type.Integer(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  appId: Type.Union([Uuid, Type.Null()], { description: 'The app of the org the invitee lands in after accepting (null: none).' }),
  returnTo: Type.Union([Type.String(), Type.Null()], {
    description: "The address in that app the invitee lands on: one of its redirect URIs or on one of its allowed origins.",
  }),
  }),
);
export const InvitationSchema = InvitationComponent.ref;

const iso = (date: Date | null) => date?.toISOString() ?? null;

/** The columns presentInvitation reads: what a list selects (never the token digest or the tracking id). */
export const PRESENTED_COLUMNS = [
  'id',
  'org_id',
  'resource_id',
  'role',
  'email',
  'first_name',
  'last_name',
  'person_id',
  'user_id',
  'inviter_type',
  'inviter_id',
  'inviter_name',
  'message',
  'status',
  'expires_at',
  'created_at',
  'updated_at',
  'sent_at',
  'last_sent_at',
  'opened_at',
  'clicked_at',
  'accepted_at',
  'declined_at',
  'revoked_at',
  'expired_at',
  'failed_at',
  'resend_count',
  'metadata',
  'app_id',
  'return_to',
] as const satisfies readonly (keyof InvitationRow)[];

export type PresentedInvitationRow = Pick<InvitationRow, (typeof PRESENTED_COLUMNS)[number]>;

export function presentInvitation(row: PresentedInvitationRow) {
  return {
    id: row.id,
    orgId: row.org_id,
    resourceId: row.resource_id,
    role: row.role,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    personId: row.person_id,
    userId: row.user_id,
    inviter: { type: row.inviter_type, id: row.inviter_id, name: row.inviter_name },
    message: row.message,
    status: row.status,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    sentAt: iso(row.sent_at),
    lastSentAt: iso(row.last_sent_at),
    openedAt: iso(row.opened_at),
    clickedAt: iso(row.clicked_at),
    acceptedAt: iso(row.accepted_at),
    declinedAt: iso(row.declined_at),
    revokedAt: iso(row.revoked_at),
    expiredAt: iso(row.expired_at),
    failedAt: iso(row.failed_at),
    resendCount: row.resend_count,
    metadata: row.metadata,
    appId: row.app_id,
    returnTo: row.return_to,
  };
}

/**
 * How the org presents itself on the invitee's page (docs/rules.md R70–R72): logo and colour only
 * when an operator trusts the org (as for its name in a subject line), the terms link always,
 * falling back to the instance's TERMS_URL.
 */
export function presentBranding(
  org: Pick<OrgRow, 'id' | 'trusted' | 'logo_url' | 'logo_digest' | 'brand_color' | 'terms_url'>,
  instanceTermsUrl: string | null,
) {
  const color = org.trusted ? org.brand_color : null;
  return {
    logoUrl: org.trusted ? (logoPath(org) ?? org.logo_url) : null,
    brandColor: color,
    brandTextColor: color === null ? null : readableTextOn(color),
    termsUrl: org.terms_url ?? instanceTermsUrl,
  };
}

/** What the invitee's page may know about an invitation (no ids, no metadata, no inviter email). */
export function presentPublicInvitation(
  row: InvitationRow,
  context: { org: OrgRow; resourceName: string | null; roleName: string },
  extras: { instanceTermsUrl: string | null; rolePermissions?: readonly string[] | undefined },
) {
  return {
    branding: presentBranding(context.org, extras.instanceTermsUrl),
    roleSummary: extras.rolePermissions === undefined ? null : roleSummary(extras.rolePermissions),
    orgName: context.org.name,
    resourceName: context.resourceName,
    roleName: context.roleName,
    inviterName: row.inviter_name,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    message: row.message,
    expiresAt: row.expires_at.toISOString(),
    status: row.status,
  };
}
