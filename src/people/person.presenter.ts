/**
 * The API's `Person`: `{ id, orgId, firstName, lastName, email, title, resourceId, userId,
 * accessStatus, latestInvitationId, lastActivityAt, createdAt, updatedAt }`. accessStatus is derived (see
 * access-status.repository.ts), never stored.
 */
import { Type } from 'typebox';
import { sortNames } from '../db/keyset.js';
import type { PersonRow } from '../db/schema.js';
import { component, Timestamp, Uuid } from '../http/schemas.js';

/** A person's derived access status (access-status.repository.ts gives the mapping). */
export const ACCESS_STATUSES = [
  'not_invited',
  'invited',
  'opened',
  'clicked',
  'registered',
  'expired',
  'declined',
  'revoked',
  'failed',
] as const;

export type AccessStatus = (typeof ACCESS_STATUSES)[number];

export const AccessStatusSchema = Type.Enum(ACCESS_STATUSES);

/** The order of access statuses when the directory is sorted by status: the console's status tabs' order. */
export const ACCESS_STATUS_SORT_ORDER: readonly AccessStatus[] = ['invited', 'opened', 'clicked', 'expired', 'failed', 'registered', 'declined', 'revoked', 'not_invited'];

/** What the directory sorts by (docs/rules.md R91): `?sort=` is one of these, `-` first for descending. */
export const PEOPLE_SORT_KEYS = ['name', 'email', 'status', 'lastActivity'] as const;
export type PeopleSortKey = (typeof PEOPLE_SORT_KEYS)[number];
export const PeopleSortSchema = Type.Enum(sortNames(PEOPLE_SORT_KEYS));
export type PeopleSort = ReturnType<typeof sortNames<PeopleSortKey>>[number];

/** How many people are in each access status, under a list's filters (docs/rules.md R66). */
export const PeopleCountsComponent = component(
  'PeopleCounts',
  Type.Object({
    total: Type.Integer(),
    byStatus: Type.Object(
      Object.fromEntries(ACCESS_STATUSES.map((status) => [status, Type.Integer()])) as Record<AccessStatus, ReturnType<typeof Type.Integer>>,
    ),
  }),
);
export const PeopleCountsSchema = PeopleCountsComponent.ref;

export const PersonComponent = component(
  'Person',
  Type.Object({
    id: Uuid,
    orgId: Uuid,
    firstName: Type.String(),
    lastName: Type.String(),
    email: Type.String(),
    title: Type.Union([Type.String(), Type.Null()]),
    resourceId: Type.Union([Uuid, Type.Null()]),
    userId: Type.Union([Uuid, Type.Null()]),
    accessStatus: AccessStatusSchema,
    latestInvitationId: Type.Union([Uuid, Type.Null()]),
    /** The latest change to the person or to their latest invitation (sent, opened, accepted…). */
    lastActivityAt: Timestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  }),
);
export const PersonSchema = PersonComponent.ref;

/** What a CSV import did: rows created and updated, and the lines it refused. */
export const PeopleImportComponent = component(
  'PeopleImport',
  Type.Object({
    created: Type.Integer(),
    updated: Type.Integer(),
    errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
  }),
);

/** A people row with its derived columns, as the directory queries select it. */
export type PersonView = PersonRow & { access_status: AccessStatus; latest_invitation_id: string | null; last_activity_at: Date };

export function presentPerson(row: PersonView) {
  return {
    id: row.id,
    orgId: row.org_id,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    title: row.title,
    resourceId: row.resource_id,
    userId: row.user_id,
    accessStatus: row.access_status,
    latestInvitationId: row.latest_invitation_id,
    lastActivityAt: new Date(row.last_activity_at).toISOString(),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
