/**
 * Authorization matrix entries for invitations and the org event log. Reading needs
 * `invitations:read` (members), changing needs `invitations:manage` (admins), at the
 * invitation's scope: a resource admin manages the invitations of their resource only.
 */
import { randomToken, sha256 } from '../../auth/crypto.js';
import { DAY } from '../../clock.js';
import { ADMINS, type ActorName, type MatrixEntry, type MatrixWorld } from './types.js';

const invitations = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}/invitations`;
const READERS: readonly ActorName[] = ['owner', 'admin', 'member', 'keyWith'];
const RESOURCE_READERS: readonly ActorName[] = [...READERS, 'resourceAdmin'];
const RESOURCE_ADMINS: readonly ActorName[] = [...ADMINS, 'resourceAdmin'];

/** A live (sent) invitation written straight to the table; org-wide unless a resource is given. */
async function newInvitation(w: MatrixWorld, resourceId: string | null): Promise<string> {
  const now = w.t.clock.now();
  const row = await w.t.ctx.db
    .insertInto('invitations')
    .values({
      org_id: w.orgId,
      resource_id: resourceId,
      role: 'member',
      email: `${w.unique()}@example.test`,
      inviter_type: 'user',
      inviter_id: w.ownerId,
      inviter_name: 'Owner',
      status: 'sent',
      token_hash: sha256(randomToken()),
      tracking_id: randomToken(16),
      metadata: '{}',
      expires_at: new Date(now.getTime() + 30 * DAY),
      updated_at: now,
      sent_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const invite = (w: MatrixWorld, resourceId?: string) => ({
  email: `${w.unique()}@example.test`,
  role: 'member',
  ...(resourceId === undefined ? {} : { resourceId }),
});

/** One route on one invitation, as an org-wide entry and an entry at the resource admin's resource. */
function onInvitation(
  method: MatrixEntry['method'],
  suffix: string,
  ok: number,
  orgWide: readonly ActorName[],
  atResource: readonly ActorName[],
  payload?: object,
): MatrixEntry[] {
  const route = `/api/v1/orgs/:orgId/invitations/:id${suffix}`;
  return [
    {
      method,
      route,
      allowed: orgWide,
      ok,
      request: async (w) => ({ url: `${invitations(w)}/${await newInvitation(w, null)}${suffix}`, ...(payload === undefined ? {} : { payload }) }),
    },
    {
      method,
      route,
      variant: 'at a resource',
      allowed: atResource,
      ok,
      request: async (w) => ({
        url: `${invitations(w)}/${await newInvitation(w, w.resourceId)}${suffix}`,
        ...(payload === undefined ? {} : { payload }),
      }),
    },
  ];
}

export const INVITATION_MATRIX: MatrixEntry[] = [
  { method: 'POST', route: '/api/v1/orgs/:orgId/invitations', allowed: ADMINS, ok: 201, request: (w) => ({ url: invitations(w), payload: invite(w) }) },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations',
    variant: 'at a resource',
    allowed: RESOURCE_ADMINS,
    ok: 201,
    request: (w) => ({ url: invitations(w), payload: invite(w, w.resourceId) }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations/bulk',
    allowed: ADMINS,
    ok: 200,
    request: (w) => ({ url: `${invitations(w)}/bulk`, payload: { invitations: [invite(w), invite(w)] } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations/bulk',
    variant: 'at a resource',
    allowed: RESOURCE_ADMINS,
    ok: 200,
    request: (w) => ({ url: `${invitations(w)}/bulk`, payload: { invitations: [invite(w, w.resourceId)] } }),
  },
  { method: 'GET', route: '/api/v1/orgs/:orgId/invitations', allowed: READERS, ok: 200, request: (w) => ({ url: invitations(w) }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/invitations',
    variant: 'at a resource',
    allowed: RESOURCE_READERS,
    ok: 200,
    request: (w) => ({ url: `${invitations(w)}?resourceId=${w.resourceId}` }),
  },
  ...onInvitation('GET', '', 200, READERS, RESOURCE_READERS),
  ...onInvitation('PATCH', '', 200, ADMINS, RESOURCE_ADMINS, { message: 'See you there' }),
  ...onInvitation('POST', '/resend', 200, ADMINS, RESOURCE_ADMINS),
  ...onInvitation('POST', '/revoke', 200, ADMINS, RESOURCE_ADMINS),
  ...onInvitation('DELETE', '', 204, ADMINS, RESOURCE_ADMINS),
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/events',
    allowed: ADMINS,
    ok: 200,
    request: (w) => ({ url: `/api/v1/orgs/${w.orgId}/events` }),
  },
];
