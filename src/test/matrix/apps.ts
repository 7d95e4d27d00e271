/** Authorization matrix entries for apps ('apps:manage', org-wide only). */
import { createApp } from '../fixtures.js';
import { ADMINS, type MatrixEntry, type MatrixWorld } from './types.js';

const apps = (w: { orgId: string }) => `/api/v1/orgs/${w.orgId}/apps`;

function newApp(w: MatrixWorld): Promise<string> {
  return createApp(w.t, w.orgId, { name: 'Matrix app', type: 'confidential', redirectUri: 'https://app.example/cb' });
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
