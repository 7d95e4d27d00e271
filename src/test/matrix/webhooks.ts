/** Authorization matrix entries for webhook endpoints ('webhooks:manage', org-wide only). */
import { ADMINS, type MatrixEntry, type MatrixWorld } from './types.js';

const webhooks = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}/webhooks`;

/** A public IP literal: passes the SSRF guard without a DNS lookup, and nothing is delivered in this test. */
const PUBLIC_URL = 'https://93.184.216.34/hooks/gatehouse';

async function newEndpoint(w: MatrixWorld): Promise<string> {
  const row = await w.t.ctx.db
    .insertInto('webhook_endpoints')
    .values({ org_id: w.orgId, url: PUBLIC_URL, events: JSON.stringify(['*']), secret: `whsec_${w.unique()}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export const WEBHOOK_MATRIX: MatrixEntry[] = [
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/webhooks',
    allowed: ADMINS,
    ok: 201,
    request: (w) => ({ url: webhooks(w), payload: { url: PUBLIC_URL, events: ['invitation.accepted'] } }),
  },
  { method: 'GET', route: '/api/v1/orgs/:orgId/webhooks', allowed: ADMINS, ok: 200, request: (w) => ({ url: webhooks(w) }) },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/webhooks/:webhookId',
    allowed: ADMINS,
    ok: 200,
    request: async (w) => ({ url: `${webhooks(w)}/${await newEndpoint(w)}` }),
  },
  {
    method: 'DELETE',
    route: '/api/v1/orgs/:orgId/webhooks/:webhookId',
    allowed: ADMINS,
    ok: 204,
    request: async (w) => ({ url: `${webhooks(w)}/${await newEndpoint(w)}` }),
  },
  {
    method: 'GET',
    route: '/api/v1/orgs/:orgId/webhooks/:webhookId/deliveries',
    allowed: ADMINS,
    ok: 200,
    request: async (w) => ({ url: `${webhooks(w)}/${await newEndpoint(w)}/deliveries` }),
  },
];
