/**
 * The API's answer to GET /api/v1/me (docs/rules.md R92): the user, their grants (`Membership`),
 * their linked directory entries, each of their orgs as they may read it (`MeOrg`: the record,
 * resources and roles the console would otherwise ask for one by one) and the instance's
 * features the console adapts to.
 */
import { type Static, Type } from 'typebox';
import { presentUser, UserSchema } from '../auth/user.presenter.js';
import { component, Uuid } from '../http/schemas.js';
import { OrgSchema, presentOrg, presentResource, ResourceSchema, RoleSchema } from '../orgs/org.presenter.js';
import { PersonSchema, presentPerson } from '../people/person.presenter.js';
import { MembershipSchema, presentMembership } from './membership.presenter.js';
import type { MeOrg, MeView } from './me.service.js';

export const MeOrgComponent = component(
  'MeOrg',
  Type.Object({
    id: Uuid,
    name: Type.String(),
    /** The org record; null for someone who may not read it (GET /orgs/:orgId would refuse). */
    org: Type.Union([OrgSchema, Type.Null()]),
    /** The resources the user may read there, by name, at most 200. */
    resources: Type.Array(ResourceSchema),
    /** More resources exist than `resources` holds (page GET /resources for the rest). */
    resourcesTruncated: Type.Boolean(),
    /** The roles the user may read there (built-in first); empty when they may read none. */
    roles: Type.Array(RoleSchema),
  }),
);

export const MeComponent = component(
  'Me',
  Type.Object({
    user: UserSchema,
    memberships: Type.Array(MembershipSchema),
    /** The directory entries linked to the user. */
    people: Type.Array(PersonSchema),
    orgs: Type.Array(MeOrgComponent.ref),
    features: Type.Object({
      /** Emails go to the built-in dev mailbox (no SMTP_URL): the console shows its page. */
      devMailbox: Type.Boolean(),
    }),
  }),
);
export const MeSchema = MeComponent.ref;
export type Me = Static<typeof MeSchema>;

function presentMeOrg(entry: MeOrg): Static<typeof MeOrgComponent.ref> {
  return {
    id: entry.id,
    name: entry.name,
    org: entry.org === null ? null : presentOrg(entry.org),
    resources: entry.resources.map(presentResource),
    resourcesTruncated: entry.resourcesTruncated,
    roles: entry.roles,
  };
}

export function presentMe(view: MeView): Me {
  return {
    user: presentUser(view.user),
    memberships: view.memberships.map(presentMembership),
    people: view.people.map(presentPerson),
    orgs: view.orgs.map(presentMeOrg),
    features: view.features,
  };
}
