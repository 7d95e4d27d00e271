/**
 * GET /api/v1/orgs/:orgId/events: the org's audit trail, newest first, filtered by invitation,
 * type, whom it concerns, who acted and a time window, keyset-paginated on the insertion order (`seq`).
 */
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { OrgParams } from '../http/schemas.js';
import { decodeCursor, pageOf } from '../http/cursor.js';
import { router } from '../http/route.js';
import { EventPage, EventsQuery } from './event.schema.js';
import { listOrgEvents, presentOrgEvent } from './event.repository.js';
import { can } from '../auth/policy.js';
import { AppError } from '../errors.js';

export function eventRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);
    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/events',
      tags: ['events'],
      summary: "The organization's audit trail, newest first",
      params: OrgParams,
      query: EventsQuery,
      response: { 200: EventPage },
      errors: ['INVALID_CURSOR', 'INVALID_DATE_RANGE'],
      auth: { permission: 'events:read' },
      handler: async (request, _reply, actor) => {
        const { orgId } = request.params;
        const query = request.query;
        // The trail embeds invitations' own words (message, metadata): only a caller who may
        // read invitations sees an invitation event's data; anyone else gets its type, time,
        // actor and ids.
        const readsInvitations = await can(ctx.db, actor, 'invitations:read', { orgId });
        const limit = query.limit ?? 50;
        const from = query.from === undefined ? null : new Date(query.from);
        const to = query.to === undefined ? null : new Date(query.to);
        if (from !== null && to !== null && from.getTime() > to.getTime()) {
          throw new AppError('INVALID_DATE_RANGE', { details: [{ path: '/from', message: 'from is after to' }] });
        }
        const rows = await listOrgEvents(ctx.db, {
          orgId,
          invitationId: query.invitationId ?? null,
          type: query.type ?? null,
          subjectEmail: query.subjectEmail ?? null,
          actorId: query.actorId ?? null,
          from,
          to,
          beforeSeq: query.cursor === undefined ? null : Number(decodeCursor(query.cursor, ['seq'])[0]),
          limit: limit + 1,
        });
        const page = pageOf(rows, limit, (row) => [row.seq]);
        return {
          items: page.items.map((row) => {
            const event = presentOrgEvent(row);
            return readsInvitations || !row.type.startsWith('invitation.') ? event : { ...event, data: {} };
          }),
          nextCursor: page.nextCursor,
        };
      },
    });
  };
}
