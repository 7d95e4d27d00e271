/**
 * The invitee's routes (docs/http-api.md, "Invitations (the invitee's side)"): public, the token is the
 * credential. All are limited per IP (AUTH_RATE_LIMIT). The link's GET/HEAD changes no state.
 * The two page routes serve the console's HTML, not the JSON API, so they are plain Fastify
 * routes (the route helper declares JSON answers).
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { setSessionCookie } from '../auth/actor.js';
import { presentUser } from '../auth/user.presenter.js';
import type { AppContext } from '../context.js';
import type { ErrorCode } from '../errors.js';
import { authRateLimit, clientIp } from '../http/rate-limit.js';
import { router } from '../http/route.js';
import { presentGrant } from '../orgs/grant.presenter.js';
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
/** Every invitee route: an unknown token, or too many requests from one address. */
const TOKEN_ERRORS: readonly ErrorCode[] = ['INVITATION_NOT_FOUND', 'RATE_LIMITED'];
/** Why a link can no longer be accepted or declined: the state it is in. */
const CONSUMED_ERRORS: readonly ErrorCode[] = [
  'INVITATION_ALREADY_ACCEPTED',
  'INVITATION_DECLINED',
  'INVITATION_REVOKED',
  'INVITATION_EXPIRED',
  'INVITATION_FAILED',
  'INVITATION_NOT_PENDING',
];

/**
 * The page is the web console (its /invite view reads the token, strips it from the address and
 * asks lookup); no referrer (the token is in its address), never cached, never framed.
 */
function sendPage(reply: FastifyReply, theme: boolean) {
  return reply
    .headers({ ...CONSOLE_HEADERS, 'cache-control': 'no-store', 'x-robots-tag': 'noindex, nofollow' })
    .send(renderInvitePage({ theme }));
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
        return sendPage(reply, ctx.config.themeCss !== null);
      },
    );

    // Where the page lands after taking the token out of the address bar (a reload comes here).
    app.get(
      '/invite',
      { config: limited, schema: { tags: TAGS, summary: 'The invitation page after the token left the address', produces: ['text/html'] } },
      async (_request, reply) => sendPage(reply, ctx.config.themeCss !== null),
    );

    const route = router(root, ctx);

    route({
      method: 'POST',
      url: '/api/v1/invitations/lookup',
      tags: TAGS,
      summary: 'What the invitation page shows; records the first click',
      body: TokenBody,
      response: { 200: LookupAnswer },
      errors: TOKEN_ERRORS,
      auth: 'public',
      options: { config: limited },
      handler: async (request, _reply, actor) => {
        const { row, context, rolePermissions, account } = await lookupInvitation(ctx, request.body.token, actor);
        return { invitation: presentPublicInvitation(row, context, { instanceTermsUrl: ctx.config.termsUrl, rolePermissions }), account };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      tags: TAGS,
      summary: 'Accept while signed in with the invited email',
      body: TokenBody,
      response: { 200: AcceptAnswer },
      errors: [...TOKEN_ERRORS, ...CONSUMED_ERRORS, 'SIGN_IN_REQUIRED', 'EMAIL_MISMATCH'],
      auth: 'public',
      options: { config: limited },
      handler: async (request, _reply, actor) => {
        const { grant, next, app, consoleAccess } = await acceptInvitation(ctx, request.body.token, actor);
        return { membership: presentGrant(grant), next, app, consoleAccess };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/invitations/register',
      tags: TAGS,
      summary: 'Create the account for the invited email and accept, in one step; signs in',
      body: RegisterBody,
      response: { 201: RegisterAnswer },
      errors: [...TOKEN_ERRORS, ...CONSUMED_ERRORS, 'TERMS_NOT_ACCEPTED', 'PASSWORD_TOO_SHORT', 'PASSWORD_TOO_LONG', 'ACCOUNT_EXISTS', 'EMAIL_MISMATCH'],
      auth: 'public',
      options: { config: limited },
      handler: async (request, reply) => {
        const { user, grant, session, next, app, consoleAccess } = await registerFromInvitation(ctx, request.body, {
          ip: clientIp(request),
          userAgent: request.headers['user-agent'] ?? null,
        });
        setSessionCookie(ctx, reply, session.token, session.expiresAt);
        return { user: presentUser(user), membership: presentGrant(grant), next, app, consoleAccess };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/invitations/decline',
      tags: TAGS,
      summary: 'Decline the invitation',
      body: TokenBody,
      response: { 200: DeclineAnswer },
      errors: [...TOKEN_ERRORS, ...CONSUMED_ERRORS],
      auth: 'public',
      options: { config: limited },
      handler: async (request) => {
        const { row, context } = await declineInvitation(ctx, request.body.token);
        return { invitation: presentPublicInvitation(row, context, { instanceTermsUrl: ctx.config.termsUrl }) };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/invitations/renew',
      tags: TAGS,
      summary: 'An expired link asks for a new one (sent at once when the org allows, else the inviter is told)',
      body: TokenBody,
      response: { 202: Type.Object({ status: Type.Literal('requested') }) },
      errors: [...TOKEN_ERRORS, 'INVITATION_NOT_EXPIRED', 'RESEND_TOO_SOON'],
      auth: 'public',
      options: { config: limited },
      handler: async (request) => {
        await renewInvitation(ctx, request.body.token);
        return { status: 'requested' as const };
      },
    });
  };
}
