/** Authorization matrix entries for apps ('apps:manage', org-wide only). */
import { ADMINS, type MatrixEntry, type MatrixWorld } from './types.js';

const apps = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}/apps`;

async function newApp(w: MatrixWorld): Promise<string> {
  const row = await w.t.ctx.db
    .insertInto('apps')
    .values({
      org_id: w.orgId,
      name: 'Matrix app',
      type: 'confidential',
      client_id: `matrix_${w.unique()}`,
      client_secret_hash: 'x',
      redirect_uris: JSON.stringify(['https://app.example/cb']),
      post_logout_redirect_uris: '[]',
      allowed_origins: '[]',
      updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export const APP_MATRIX: MatrixEntry[] = [
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/apps',
    allowed: ADMINS,
    ok: 201,
    request: (w) => ({ url: apps(w), payload: { name: 'App', type: 'public', redirectUris: ['https://app.example/cb'] } }),
  },
  { method: 'GET', route: '/api/v1/orgs/:orgId/apps', allowed: ADMINS, ok: 200, request: (w) => ({ url: apps(w) }) },
  { method: 'GET', route: '/api/v1/orgs/:orgId/apps/:appId', allowed: ADMINS, ok: 200, request: async (w) => ({ url: `${apps(w)}/${await newApp(w)}` }) },
  {
    method: 'PATCH',
    route: '/api/v1/orgs/:orgId/apps/:appId',
    allowed: ADMINS,
    ok: 200,
    request: async (w) => ({ url: `${apps(w)}/${await newApp(w)}`, payload: { name: 'Renamed' } }),
  },
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/apps/:appId/secret',
    allowed: ADMINS,
    ok: 200,
    request: async (w) => ({ url: `${apps(w)}/${await newApp(w)}/secret`, payload: {} }),
  },
  { method: 'DELETE', route: '/api/v1/orgs/:orgId/apps/:appId', allowed: ADMINS, ok: 204, request: async (w) => ({ url: `${apps(w)}/${await newApp(w)}` }) },
];
