/**
 * The invitee's routes (docs/http-api.md, "Invitations (the invitee's side)"): the token is the credential.
 * All are limited per IP (AUTH_RATE_LIMIT). The link's GET/HEAD changes no state.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { setSessionCookie } from '../auth/actor.js';
import { presentUser } from '../auth/user.presenter.js';
import type { AppContext } from '../context.js';
import { authRateLimit, clientIp } from '../http/rate-limit.js';
import { ErrorSchema } from '../http/schemas.js';
import { presentGrant } from '../orgs/grant.repository.js';
import { presentPublicInvitation } from './invitation.presenter.js';
import {
  AcceptAnswer,
  DeclineAnswer,
  LookupAnswer,
  RegisterAnswer,
  RegisterBody,
  TokenBody,
} from './invitation.schema.js';
import { CONSOLE_HEADERS } from '../http/web.plugin.js';
import { renderInvitePage } from './invitee.page.js';
import {
  acceptInvitation,
  declineInvitation,
  lookupInvitation,
  registerFromInvitation,
  renewInvitation,
  visitInvitation,
} from './invitee.service.js';

const TAGS = ['invitee'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 410: ErrorSchema, 429: ErrorSchema };

/**
 * The page is the web console (its /invite view reads the token, strips it from the address and
 * asks lookup); no referrer (the token is in its address), never cached, never framed.
 */
function sendPage(reply: FastifyReply) {
  return reply
    .headers({ ...CONSOLE_HEADERS, 'cache-control': 'no-store', 'x-robots-tag': 'noindex, nofollow' })
    .send(renderInvitePage());
}

export function inviteeRoutes(ctx: AppContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();
    const limited = authRateLimit(ctx);

    // Fastify answers HEAD through this handler too (exposeHeadRoutes), with request.method HEAD.
    app.get(
      '/invite/:token',
      {
        config: limited,
        schema: {
          tags: TAGS,
          summary: 'The invitation page (HTML). Changes no state; link scanners are recorded as visits only',
          params: Type.Object({ token: Type.String({ maxLength: 200 }) }),
          produces: ['text/html'],
        },
      },
      async (request, reply) => {
        await visitInvitation(ctx, request.params.token, request.method, request.headers['user-agent']);
        return sendPage(reply);
      },
    );

    // Where the page lands after taking the token out of the address bar (a reload comes here).
    app.get(
      '/invite',
      { config: limited, schema: { tags: TAGS, summary: 'The invitation page after the token left the address', produces: ['text/html'] } },
      async (_request, reply) => sendPage(reply),
    );

    app.post(
      '/api/v1/invitations/lookup',
      {
        config: limited,
        schema: {
          tags: TAGS,
          summary: 'What the invitation page shows; records the first click',
          body: TokenBody,
          response: { 200: LookupAnswer, ...errors },
        },
      },
      async (request) => {
        const { row, context, account } = await lookupInvitation(ctx, request.body.token, request.actor);
        return { invitation: presentPublicInvitation(row, context), account };
      },
    );

    app.post(
      '/api/v1/invitations/accept',
      {
        config: limited,
        schema: {
          tags: TAGS,
          summary: 'Accept while signed in with the invited email',
          body: TokenBody,
          response: { 200: AcceptAnswer, ...errors },
        },
      },
      async (request) => ({ membership: presentGrant(await acceptInvitation(ctx, request.body.token, request.actor)) }),
    );

    app.post(
      '/api/v1/invitations/register',
      {
        config: limited,
        schema: {
          tags: TAGS,
          summary: 'Create the account for the invited email and accept, in one step; signs in',
          body: RegisterBody,
          response: { 201: RegisterAnswer, ...errors },
        },
      },
      async (request, reply) => {
        const { user, grant, session } = await registerFromInvitation(ctx, request.body, {
          ip: clientIp(request),
          userAgent: request.headers['user-agent'] ?? null,
        });
        setSessionCookie(ctx, reply, session.token, session.expiresAt);
        return reply.status(201).send({ user: presentUser(user), membership: presentGrant(grant) });
      },
    );

    app.post(
      '/api/v1/invitations/decline',
      {
        config: limited,
        schema: { tags: TAGS, summary: 'Decline the invitation', body: TokenBody, response: { 200: DeclineAnswer, ...errors } },
      },
      async (request) => {
        const { row, context } = await declineInvitation(ctx, request.body.token);
        return { invitation: presentPublicInvitation(row, context) };
      },
    );

    app.post(
      '/api/v1/invitations/renew',
      {
        config: limited,
        schema: {
          tags: TAGS,
          summary: 'An expired link asks for a new one (sent at once when the org allows, else the inviter is told)',
          body: TokenBody,
          response: { 202: Type.Object({ status: Type.Literal('requested') }), ...errors },
        },
      },
      async (request, reply) => {
        await renewInvitation(ctx, request.body.token);
        return reply.status(202).send({ status: 'requested' as const });
      },
    );
  };
}
