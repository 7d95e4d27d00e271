/** Authorization matrix entries for widget tokens: an API key of the org mints; no session does (docs/rules.md R80). */
import type { MatrixEntry } from './types.js';

export const WIDGET_MATRIX: MatrixEntry[] = [
  {
    method: 'POST',
    route: '/api/v1/orgs/:orgId/widget-tokens',
    allowed: ['keyWith', 'keyWithout'],
    ok: 201,
    request: async (w) => {
      const app = await w.t.ctx.db
        .insertInto('apps')
        .values({
          org_id: w.orgId,
          name: 'Widget host',
          type: 'public',
          client_id: `widget_${w.unique()}`,
          client_secret_hash: null,
          redirect_uris: JSON.stringify(['https://host.example/cb']),
          post_logout_redirect_uris: '[]',
          allowed_origins: JSON.stringify(['https://host.example']),
          updated_at: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { url: `/api/v1/orgs/${w.orgId}/widget-tokens`, payload: { appId: app.id, userId: w.ownerId, scopes: ['people:read'] } };
    },
  },
];
