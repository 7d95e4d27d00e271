/** Authorization matrix entries for widget tokens: an API key of the org mints; no session does (docs/rules.md R80). */
import { createApp } from '../fixtures.js';
import type { MatrixEntry } from './types.js';

export const WIDGET_MATRIX: MatrixEntry[] = [
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/widget-tokens',
    allowed: ['keyWith', 'keyWithout'],
    ok: 201,
    request: async (w) => {
      const appId = await createApp(w.t, w.orgId, { name: 'Widget host', origins: ['https://host.example'], redirectUri: 'https://host.example/cb' });
      return { url: `/api/v1/orgs/${w.orgId}/widget-tokens`, payload: { appId, userId: w.ownerId, scopes: ['people:read'] } };
    },
  },
];
