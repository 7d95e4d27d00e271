/**
 * GET /api/v1/orgs/:orgId/access?resourceId=: everyone with access and the pending invitations
 * that would add to it.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { component, OrgParams, Uuid } from '../http/schemas.js';
import { InvitationSchema, InvitationStatusSchema } from '../invitations/invitation.presenter.js';
import { MemberUserSchema } from '../orgs/org.presenter.js';
import { listAccess, presentPendingFor } from './access.service.js';

const NullableUuid = Type.Union([Uuid, Type.Null()]);

/** A pending invitation as `members:read` alone may see it (access.service presentPendingFor). */
export const PendingAccessComponent = component(
  'PendingAccess',
  Type.Object({
    id: Uuid,
    email: Type.String(),
    role: Type.String(),
    resourceId: NullableUuid,
    status: InvitationStatusSchema,
    expiresAt: Type.String({ format: 'date-time' }),
  }),
);

/** Someone with access: the user, the role and where it is held, and whether it comes from an org-wide grant. */
export const AccessEntryComponent = component(
  'AccessEntry',
  Type.Object({ user: MemberUserSchema, role: Type.String(), resourceId: NullableUuid, inherited: Type.Boolean() }),
);

export function accessRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/access',
      widget: true,
      tags: ['access'],
      summary: 'Everyone with access (org-wide and, for a resource, its own grants) and the pending invitations',
      description:
        'A pending invitation comes whole only to a caller who may read invitations at its scope (`invitations:read`); to anyone else it is `{ id, email, role, resourceId, status, expiresAt }`.',
      params: OrgParams,
      query: Type.Object({ resourceId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          items: Type.Array(AccessEntryComponent.ref),
          pending: Type.Array(Type.Union([InvitationSchema, PendingAccessComponent.ref])),
        }),
      },
      errors: ['RESOURCE_NOT_FOUND'],
      auth: { permission: 'members:read', resourceIdFrom: 'query' },
      handler: async (request, _reply, actor) => {
        const { orgId } = request.params;
        const access = await listAccess(ctx, orgId, request.query.resourceId ?? null);
        return { items: access.items, pending: await presentPendingFor(ctx, actor, orgId, access.pending) };
      },
    });
  };
}
