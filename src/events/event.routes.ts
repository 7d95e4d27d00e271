/**
 * GET /api/v1/orgs/:orgId/events: the org's audit trail, newest first, filtered by invitation
 * and type, keyset-paginated on the insertion order (`seq`).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ErrorSchema, OrgParams } from '../http/schemas.js';
import { decodeSeqCursor, encodeSeqCursor } from '../http/cursor.js';
import { EventPage, EventsQuery } from './event.schema.js';
import { listOrgEvents, presentOrgEvent } from './event.repository.js';
import type { RoutePolicy } from '../shared/route-policy.js';

export function eventRoutes(ctx: AppContext, policy: RoutePolicy) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    app.get(
      '/api/v1/orgs/:orgId/events',
      {
        schema: {
          tags: ['events'],
          summary: "The organization's audit trail, newest first",
          params: OrgParams,
          querystring: EventsQuery,
          response: { 200: EventPage, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        const query = request.query;
        await policy.authorizeOrg(request, 'events:read', orgId);
        // The trail embeds invitations' own words (message, metadata): only a caller who may
        // read invitations sees an invitation event's data; anyone else gets its type, time,
        // actor and ids.
        const readsInvitations = await policy.holdsInOrg(request, 'invitations:read', orgId);
        const limit = query.limit ?? 50;
        const rows = await listOrgEvents(ctx.db, {
          orgId,
          invitationId: query.invitationId ?? null,
          type: query.type ?? null,
          beforeSeq: query.cursor === undefined ? null : Number(decodeSeqCursor(query.cursor)),
          limit: limit + 1,
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map((row) => {
            const event = presentOrgEvent(row);
            return readsInvitations || !row.type.startsWith('invitation.') ? event : { ...event, data: {} };
          }),
          nextCursor: rows.length > limit && last !== undefined ? encodeSeqCursor(last.seq) : null,
        };
      },
    );
  };
}
