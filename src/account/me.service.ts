/**
 * GET /api/v1/me: the signed-in user, their grants and linked directory entries, and, for each
 * org they belong to, what the console needs to draw any of its pages without asking again
 * (docs/rules.md R92): the org record, the resources and the roles, each exactly as the org's
 * own routes would let this user read them.
 */
import type { UserActor } from '../auth/actor.js';
import { canIn, type OrgGrants } from '../auth/policy.js';
import { findUserById } from '../auth/user.repository.js';
import type { AppContext } from '../context.js';
import type { OrgRow, ResourceRow, UserRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import * as orgs from '../orgs/org.service.js';
import type { Role } from '../orgs/org.presenter.js';
import { listRoles } from '../orgs/role.service.js';
import { listLinkedPeople } from '../people/person.repository.js';
import { listMembershipRows } from './account.repository.js';
import type { MembershipRow } from './membership.presenter.js';

/** The most resources `/me` lists per org; past it `resourcesTruncated` is true and the rest are paged from GET /orgs/:orgId/resources. */
export const ME_RESOURCES_MAX = 200;

export interface MeOrg {
  id: string;
  name: string;
  /** Null unless the user may GET /orgs/:orgId (org:read org-wide). */
  org: OrgRow | null;
  resources: ResourceRow[];
  resourcesTruncated: boolean;
  roles: Role[];
}

export interface MeView {
  user: UserRow;
  memberships: MembershipRow[];
  people: Awaited<ReturnType<typeof listLinkedPeople>>;
  orgs: MeOrg[];
  features: { devMailbox: boolean };
}

export async function getMe(ctx: AppContext, actor: UserActor): Promise<MeView> {
  const user = await findUserById(ctx.db, actor.userId);
  if (user === undefined) throw new AppError('UNAUTHENTICATED');
  const [memberships, people] = await Promise.all([listMembershipRows(ctx.db, user.id), listLinkedPeople(ctx.db, user.id, ctx.clock.now())]);
  const byOrg = new Map<string, { name: string; rows: MembershipRow[] }>();
  for (const row of memberships) {
    const entry = byOrg.get(row.org_id) ?? { name: row.org_name, rows: [] };
    entry.rows.push(row);
    byOrg.set(row.org_id, entry);
  }
  const orgList = await Promise.all([...byOrg].map(([orgId, { name, rows }]) => orgView(ctx, actor, orgId, name, rows)));
  return { user, memberships, people, orgs: orgList, features: { devMailbox: ctx.config.smtpUrl === null } };
}

/**
 * One org as the user may read it, by the same policy the org's routes apply: the record and
 * every resource with `org:read` org-wide (GET /orgs/:orgId, GET /resources); otherwise only
 * the resources they hold a grant on where `org:read` holds there (GET /resources/:resourceId);
 * the roles wherever `org:read` holds at the org or at one of those resources (GET /roles,
 * GET /roles?resourceId=).
 */
async function orgView(ctx: AppContext, actor: UserActor, orgId: string, name: string, rows: MembershipRow[]): Promise<MeOrg> {
  const grants: OrgGrants = { orgId, rows: rows.map((row) => ({ resource_id: row.resource_id, role: row.role, permissions: row.permissions })) };
  const readsAt = (resourceId: string | null) => canIn(grants, actor, 'org:read', { orgId, resourceId });
  if (readsAt(null)) {
    const [org, resources, roles] = await Promise.all([
      orgs.getOrg(ctx, orgId),
      orgs.listResources(ctx, orgId, { limit: ME_RESOURCES_MAX, after: null }),
      listRoles(ctx, orgId),
    ]);
    return { id: orgId, name: org.name, org, resources: resources.slice(0, ME_RESOURCES_MAX), resourcesTruncated: resources.length > ME_RESOURCES_MAX, roles };
  }
  const readable = [...new Set(rows.flatMap((row) => (row.resource_id !== null && readsAt(row.resource_id) ? [row.resource_id] : [])))];
  const [resources, roles] = await Promise.all([
    orgs.listResourcesByIds(ctx, orgId, readable),
    readable.length > 0 ? listRoles(ctx, orgId) : Promise.resolve([]),
  ]);
  return {
    id: orgId,
    name,
    org: null,
    resources: resources.slice(0, ME_RESOURCES_MAX),
    resourcesTruncated: resources.length > ME_RESOURCES_MAX,
    roles,
  };
}
