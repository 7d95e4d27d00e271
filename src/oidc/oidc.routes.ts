/**
 * The OpenID provider mounted under /oidc (docs/rules.md R50–R58), and the JSON routes behind
 * Gatehouse's own sign-in pages for it (`/authorize/:uid`, web/src/pages/public/Authorize.vue).
 *
 * The provider is a Koa application: its routes are handed the raw request and response
 * (`reply.hijack()`), with Fastify's body parsing left out (the provider reads its own form
 * bodies) and Gatehouse's session and CSRF checks skipped (`ownCredentials`: the provider has its
 * own cookies and checks).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from 'oidc-provider';
import { Type } from 'typebox';
import type { UserActor } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { component } from '../http/schemas.js';
import { abortInteraction, acceptInvitationInteraction, confirmInteraction, describeInteraction, interactionEntry } from './interaction.service.js';
import { buildProvider, OIDC_PREFIX } from './provider.js';
import { deriveKey, resolveSecretKey } from './secret-key.js';
import { loadSigningKeys } from './signing-keys.js';

const UidParams = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) });
const Next = Type.Object({ redirectTo: Type.String() });

/** The security headers of the provider's own answers (R44's helmet does not see hijacked replies). */
const PROVIDER_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * The provider, built on first use: its keys live in the database, which may not be migrated
 * when the app is built (readiness answers 503 until it is). `gatehouse serve` asks for it before
 * listening, so a SECRET_KEY that cannot decrypt the keys stops the start (exit 2).
 */
/** A sign-in request as its page shows it: the app, what it asks for, who is signed in, and whether they may go on. */
export const InteractionDetailsComponent = component(
  'InteractionDetails',
  Type.Object({
    uid: Type.String(),
    app: Type.Object({ name: Type.String(), firstParty: Type.Boolean() }),
    scopes: Type.Array(Type.String()),
    invitation: Type.Union([Type.String(), Type.Null()]),
    invitationFound: Type.Union([Type.Boolean(), Type.Null()]),
    account: Type.Union([Type.Object({ email: Type.String(), name: Type.String() }), Type.Null()]),
    allowed: Type.Union([Type.Boolean(), Type.Null()]),
  }),
);

export function lazyProvider(ctx: AppContext): () => Promise<Provider> {
  let built: Promise<Provider> | null = null;
  return () => {
    built ??= (async () => {
      const secret = resolveSecretKey(ctx.config);
      const keys = await loadSigningKeys(ctx.db, secret, ctx.clock.now());
      return buildProvider(ctx, { keys, cookieKeys: [deriveKey(secret, 'oidc cookies').toString('base64url')] });
    })();
    // A failure is not remembered: the next request tries again (after a migration, say).
    built.catch(() => {
      built = null;
    });
    return built;
  };
}

export function oidcRoutes(ctx: AppContext, getProvider: () => Promise<Provider>) {
  return async (app: FastifyInstance) => {
    let callback: ReturnType<Provider['callback']> | null = null;

    await app.register(async (mounted) => {
      // The provider reads its own bodies: Fastify must leave the stream alone.
      mounted.removeAllContentTypeParsers();
      mounted.addContentTypeParser('*', (_request, _payload, done) => {
        done(null);
      });
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        callback ??= (await getProvider()).callback();
        void reply.hijack();
        const raw = request.raw as typeof request.raw & { originalUrl?: string };
        raw.originalUrl = raw.url ?? '';
        raw.url = (raw.url ?? '').slice(OIDC_PREFIX.length) || '/';
        for (const [name, value] of Object.entries(PROVIDER_HEADERS)) reply.raw.setHeader(name, value);
        callback(raw, reply.raw);
      };
      mounted.route({
        method: ['GET', 'POST', 'OPTIONS'],
        url: `${OIDC_PREFIX}/*`,
        schema: { hide: true },
        config: { ownCredentials: true },
        handler,
      });
    });

    const route = router(app, ctx);
    const userOf = (request: FastifyRequest): UserActor | null => (request.actor?.type === 'user' ? request.actor : null);

    route({
      method: 'GET',
      url: '/interaction/:uid',
      tags: ['openid connect'],
      summary: 'Where the provider sends a browser to sign in: straight back when nothing is needed, else to the sign-in page',
      params: UidParams,
      response: { 303: Type.Null() },
      errors: [],
      auth: 'public',
      handler: async (request, reply) => reply.redirect(await interactionEntry(ctx, await getProvider(), request.params.uid, userOf(request)), 303),
    });

    route({
      method: 'GET',
      url: '/api/v1/interactions/:uid',
      tags: ['openid connect'],
      summary: 'A sign-in request to an app: the app, the scopes it asks for, who is signed in and whether they may go on',
      params: UidParams,
      response: {
        200: InteractionDetailsComponent.ref,
      },
      errors: ['INTERACTION_NOT_FOUND'],
      auth: 'public',
      handler: async (request) => describeInteraction(ctx, await getProvider(), request.params.uid, userOf(request)),
    });

    route({
      method: 'POST',
      url: '/api/v1/interactions/:uid/confirm',
      tags: ['openid connect'],
      summary: 'Go on to the app as the signed-in person (for a third-party app, this is the consent)',
      params: UidParams,
      response: { 200: Next },
      errors: ['INTERACTION_NOT_FOUND', 'APP_ACCESS_DENIED'],
      auth: 'user',
      handler: async (request, _reply, actor) => ({ redirectTo: await confirmInteraction(ctx, await getProvider(), request.params.uid, actor) }),
    });

    route({
      method: 'POST',
      url: '/api/v1/interactions/:uid/accept-invitation',
      tags: ['openid connect'],
      summary: 'Accept the invitation the app passed (invitation=<token>) as the signed-in person and go on to the app',
      description:
        'The invitation must be one of the app’s organization. One the person registered with during this sign-in request counts as accepted. The first ID token after this carries `gatehouse_invitation`.',
      params: UidParams,
      response: { 200: Next },
      errors: [
        'INTERACTION_NOT_FOUND',
        'INVITATION_NOT_FOUND',
        'EMAIL_MISMATCH',
        'INVITATION_ALREADY_ACCEPTED',
        'INVITATION_DECLINED',
        'INVITATION_EXPIRED',
        'INVITATION_REVOKED',
        'INVITATION_FAILED',
        'APP_ACCESS_DENIED',
      ],
      auth: 'user',
      handler: async (request, _reply, actor) => ({ redirectTo: await acceptInvitationInteraction(ctx, await getProvider(), request.params.uid, actor) }),
    });

    route({
      method: 'POST',
      url: '/api/v1/interactions/:uid/abort',
      tags: ['openid connect'],
      summary: 'Decline: the app receives access_denied',
      params: UidParams,
      response: { 200: Next },
      errors: ['INTERACTION_NOT_FOUND'],
      auth: 'public',
      handler: async (request) => ({ redirectTo: await abortInteraction(await getProvider(), request.params.uid) }),
    });
  };
}
