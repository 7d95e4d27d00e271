/**
 * API shapes of the orgs area: `Org` (with its settings), `Resource`, `Role`, and the short user
 * summary used in access lists.
 */
import { Type } from 'typebox';
import type { OrgRow, ResourceRow, UserRow } from '../db/schema.js';
import { component, Timestamp, Uuid } from '../http/schemas.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const OrgSettingsSchema = Type.Object({
  invitationTtlDays: Type.Integer(),
  openTracking: Type.Boolean(),
  reminderDaysBeforeExpiry: Type.Integer(),
  senderName: NullableString,
  replyTo: NullableString,
  invitationsPerHour: Type.Integer(),
  autoRenew: Type.Boolean(),
  /** Where an invitation that names no app lands the invitee after accepting (null: none). */
  defaultAppId: Type.Union([Uuid, Type.Null()]),
  defaultReturnTo: NullableString,
  /** The https URL of the logo the org set; null when none (or when it uploaded one). */
  logoUrl: NullableString,
  /** Where Gatehouse serves the uploaded logo (a path with its version); null when none was uploaded. */
  logoImage: NullableString,
  /** `#rrggbb`, or null for Gatehouse's own colour. */
  brandColor: NullableString,
  /** The org's terms of use (https); null: the instance's TERMS_URL applies. */
  termsUrl: NullableString,
});

export const OrgComponent = component(
  'Org',
  Type.Object({
    id: Uuid,
    name: Type.String(),
    /**
     * Whether an operator trusts the org: created by an instance admin, or trusted by one since.
     * Until then its name and sender name stay out of its emails' subject and From, and its quota
     * ceiling is the self-service one.
     */
    trusted: Type.Boolean(),
    settings: OrgSettingsSchema,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
);
export const OrgSchema = OrgComponent.ref;

/** The path of an org's uploaded logo, versioned by its digest so caches never show an old one. */
export function logoPath(row: Pick<OrgRow, 'id' | 'logo_digest'>): string | null {
  return row.logo_digest === null ? null : `/api/v1/logos/${row.id}?v=${row.logo_digest}`;
}

/** The logo to show, absolute (for emails): the uploaded image served by Gatehouse, or the org's URL. */
export function logoSource(publicUrl: string, row: Pick<OrgRow, 'id' | 'logo_digest' | 'logo_url'>): string | null {
  const path = logoPath(row);
  return path === null ? row.logo_url : `${publicUrl}${path}`;
}

export function presentOrg(row: OrgRow) {
  return {
    id: row.id,
    name: row.name,
    trusted: row.trusted,
    settings: {
      invitationTtlDays: row.invitation_ttl_days,
      openTracking: row.open_tracking,
      reminderDaysBeforeExpiry: row.reminder_days_before_expiry,
      senderName: row.sender_name,
      replyTo: row.reply_to,
      invitationsPerHour: row.invitations_per_hour,
      autoRenew: row.auto_renew,
      defaultAppId: row.default_app_id,
      defaultReturnTo: row.default_return_to,
      logoUrl: row.logo_url,
      logoImage: logoPath(row),
      brandColor: row.brand_color,
      termsUrl: row.terms_url,
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export const ResourceComponent = component(
  'Resource',
  Type.Object({ id: Uuid, orgId: Uuid, kind: Type.String(), name: Type.String(), createdAt: Timestamp, updatedAt: Timestamp }),
);
export const ResourceSchema = ResourceComponent.ref;

export function presentResource(row: ResourceRow) {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind,
    name: row.name,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export const RoleComponent = component(
  'Role',
  Type.Object({ key: Type.String(), name: Type.String(), permissions: Type.Array(Type.String()), builtIn: Type.Boolean() }),
);
export const RoleSchema = RoleComponent.ref;

export interface Role {
  key: string;
  name: string;
  permissions: string[];
  builtIn: boolean;
}

/** Who holds a grant, as an access list shows them: no password, no admin flag. */
export const MemberUserComponent = component(
  'MemberUser',
  Type.Object({ id: Uuid, email: Type.String(), firstName: Type.String(), lastName: Type.String(), status: Type.String() }),
);
export const MemberUserSchema = MemberUserComponent.ref;

export function presentMemberUser(row: Pick<UserRow, 'id' | 'email' | 'first_name' | 'last_name' | 'status'>) {
  return { id: row.id, email: row.email, firstName: row.first_name, lastName: row.last_name, status: row.status };
}
