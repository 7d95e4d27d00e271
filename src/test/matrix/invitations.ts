/**
 * Authorization matrix entries for invitations and the org event log. Managing needs
 * 'invitations:manage', reading 'invitations:read' (members hold it), the event log
 * 'events:read'; a resource's own admin may do all of it at that resource.
 */
import { randomBytes } from 'node:crypto';
import { MINUTE } from '../../clock.js';
import { ADMINS, type ActorName, type MatrixEntry, type MatrixWorld } from './types.js';

const base = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}/invitations`;
const READERS: readonly ActorName[] = ['owner', 'admin', 'member', 'keyWith'];
const AT_RESOURCE = 'at the resource';

/** A fresh live invitation (of `personId` when given), written directly (the matrix tests policy, not creation). */
export async function newInvitation(w: MatrixWorld, resourceId: string | null, personId: string | null = null): Promise<string> {
  const now = w.t.clock.now();
  const row = await w.t.ctx.db
    .insertInto('invitations')
    .values({
      org_id: w.orgId,
      resource_id: resourceId,
      person_id: personId,
      role: 'member',
      email: `${w.unique()}@matrix.test`,
      inviter_type: 'user',
      inviter_id: w.ownerId,
      inviter_name: 'Matrix Owner',
      metadata: '{}',
      status: 'sent',
      token_hash: randomBytes(32).toString('hex'),
      tracking_id: w.unique(),
      expires_at: new Date(now.getTime() + 7 * 86_400_000),
      updated_at: now,
      // Minted long enough ago for a resend to pass the one-a-minute cooldown.
      token_issued_at: new Date(now.getTime() - 5 * MINUTE),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function byId(
  method: MatrixEntry['method'],
  suffix: string,
  ok: number,
  payload?: object,
): [MatrixEntry, MatrixEntry] {
  const route = `/api/v1/orgs/:orgId/invitations/:id${suffix}`;
  const readOnly = method === 'GET';
  const allowed = readOnly ? READERS : ADMINS;
  const build = (resource: boolean) => async (w: MatrixWorld) => ({
    url: `${base(w)}/${await newInvitation(w, resource ? w.resourceId : null)}${suffix}`,
    ...(payload === undefined ? {} : { payload }),
  });
  return [
    { method, route, allowed, ok, request: build(false) },
    { method, route, variant: AT_RESOURCE, allowed: [...allowed, 'resourceAdmin'], ok, request: build(true) },
  ];
}

export const INVITATION_MATRIX: MatrixEntry[] = [
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations',
    allowed: ADMINS,
    ok: 201,
    request: (w) => ({ url: base(w), payload: { email: `${w.unique()}@matrix.test`, role: 'member' } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations',
    variant: AT_RESOURCE,
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 201,
    request: (w) => ({ url: base(w), payload: { email: `${w.unique()}@matrix.test`, role: 'member', resourceId: w.resourceId } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations/bulk',
    variant: AT_RESOURCE,
    // Anyone who may invite somewhere gets per-item answers; the rest are refused whole.
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${base(w)}/bulk`, payload: { invitations: [{ email: `${w.unique()}@matrix.test`, role: 'member', resourceId: w.resourceId }] } }),
  },
  // The preview answers exactly who may send: it shares the create's checks and writes nothing.
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations/preview',
    allowed: ADMINS,
    ok: 200,
    request: (w) => ({ url: `${base(w)}/preview`, payload: { email: `${w.unique()}@matrix.test`, role: 'member' } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/invitations/preview',
    variant: AT_RESOURCE,
    allowed: [...ADMINS, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${base(w)}/preview`, payload: { email: `${w.unique()}@matrix.test`, role: 'member', resourceId: w.resourceId } }),
  },
  { method: 'GET', route: '/api/v1/orgs/:orgId/invitations', allowed: READERS, ok: 200, request: (w) => ({ url: base(w) }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/invitations',
    variant: AT_RESOURCE,
    allowed: [...READERS, 'resourceAdmin'],
    ok: 200,
    request: (w) => ({ url: `${base(w)}?resourceId=${w.resourceId}` }),
  },
  ...byId('GET', '', 200),
  ...byId('PATCH', '', 200, { message: 'updated' }),
  ...byId('POST', '/resend', 200),
  ...byId('POST', '/revoke', 200),
  ...byId('DELETE', '', 204),
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/events',
    allowed: ADMINS,
    ok: 200,
    request: (w) => ({ url: `/api/v1/orgs/${w.orgId}/events?limit=5` }),
  },
];
