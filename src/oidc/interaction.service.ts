/**
 * Sign-in interactions (docs/rules.md R48, R49, R53): what the provider asks of a person on its way
 * to an app, and finishing it. A person signed in to Gatehouse with a grant in the app's org goes
 * straight through a first-party app; a third-party app first shows consent; anyone else sees why
 * not. The interaction is found by its uid; the browser that started it is bound to it by the
 * provider's own resume cookie, so finishing elsewhere leads nowhere.
 *
 * A request with `invitation=<token>` (R58) walks the invitee through accepting it first: the page
 * registers (POST /api/v1/invitations/register) or signs in, then acceptInvitationInteraction
 * accepts as the signed-in person and finishes, leaving the accepted invitation for the first ID
 * token under the grant.
 */
import type { ClientInstance, InteractionInstance, Provider } from 'oidc-provider';
import type { UserActor } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import type { InvitationRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findInvitationByTokenHash } from '../invitations/invitation.repository.js';
import { looksLikeToken, tokenHash } from '../invitations/invitation.token.js';
import { acceptInvitation } from '../invitations/invitee.service.js';
import { hasGrantInOrg } from './claims.repository.js';
import { putInvitationClaim } from './oidc-payload.repository.js';
import { clientFirstParty, clientOrgId, SCOPES } from './provider.js';

export interface InteractionView {
  uid: string;
  app: { name: string; firstParty: boolean };
  scopes: string[];
  /** The invitation token the app passed on /authorize, when it did. */
  invitation: string | null;
  /** Whether that token names an invitation of the app's org (null without one): else the page says the link is not valid here. */
  invitationFound: boolean | null;
  account: { email: string; name: string } | null;
  /** Whether the signed-in person may use the app (null when nobody is signed in). */
  allowed: boolean | null;
}

interface Found {
  interaction: InteractionInstance;
  client: ClientInstance;
}

async function find(provider: Provider, uid: string): Promise<Found> {
  const interaction = await provider.Interaction.find(uid);
  if (interaction === undefined) throw new AppError('INTERACTION_NOT_FOUND');
  const client = await provider.Client.find(interaction.params.client_id);
  if (client === undefined) throw new AppError('INTERACTION_NOT_FOUND');
  return { interaction, client };
}

function requestedScopes(interaction: InteractionInstance): string[] {
  const asked = typeof interaction.params.scope === 'string' ? interaction.params.scope.split(' ') : [];
  return asked.filter((scope) => (SCOPES as readonly string[]).includes(scope));
}

function invitationToken(interaction: InteractionInstance): string | null {
  const invitation = interaction.params.invitation;
  return typeof invitation === 'string' && invitation !== '' ? invitation : null;
}

/** The invitation the token names, when it is one of the app's org (any state). */
async function findAppInvitation(ctx: AppContext, client: ClientInstance, token: string): Promise<InvitationRow | undefined> {
  if (!looksLikeToken(token)) return undefined;
  const row = await findInvitationByTokenHash(ctx.db, tokenHash(token));
  return row?.org_id === clientOrgId(client) ? row : undefined;
}

export async function describeInteraction(ctx: AppContext, provider: Provider, uid: string, actor: UserActor | null): Promise<InteractionView> {
  const { interaction, client } = await find(provider, uid);
  const invitation = invitationToken(interaction);
  return {
    uid,
    app: { name: typeof client.clientName === 'string' ? client.clientName : client.clientId, firstParty: clientFirstParty(client) },
    scopes: requestedScopes(interaction),
    invitation,
    invitationFound: invitation === null ? null : (await findAppInvitation(ctx, client, invitation)) !== undefined,
    account: actor === null ? null : { email: actor.email, name: actor.name },
    allowed: actor === null ? null : await hasGrantInOrg(ctx.db, clientOrgId(client), actor.userId),
  };
}

/** Finishing marks any invitation of the request handled (the provider's policy asks for it once). */
async function finish(interaction: InteractionInstance, result: Record<string, unknown>): Promise<string> {
  interaction.result = result;
  await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
  return interaction.returnTo;
}

/**
 * Signs the person in to the app (and, for a third-party app, records their consent to the
 * scopes it asked for). Returns where the browser goes next (the provider's resume address).
 */
export async function confirmInteraction(ctx: AppContext, provider: Provider, uid: string, actor: UserActor): Promise<string> {
  const { interaction, client } = await find(provider, uid);
  return signInToApp(ctx, provider, { interaction, client }, actor, null);
}

async function signInToApp(ctx: AppContext, provider: Provider, { interaction, client }: Found, actor: UserActor, accepted: InvitationRow | null): Promise<string> {
  if (!(await hasGrantInOrg(ctx.db, clientOrgId(client), actor.userId))) throw new AppError('APP_ACCESS_DENIED');
  // The grant covers what the app asked for: for a third-party app the click was the consent, a
  // first-party one needs none (R49). A request with prompt=consent (how an app asks for
  // offline_access) is answered by it too.
  const existing = interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId);
  const grant = existing?.accountId === actor.userId ? existing : new provider.Grant({ accountId: actor.userId, clientId: client.clientId });
  grant.addOIDCScope(requestedScopes(interaction).join(' '));
  const grantId = await grant.save();
  if (accepted !== null) {
    await putInvitationClaim(ctx.db, {
      grantId,
      accountId: actor.userId,
      claim: { id: accepted.id, orgId: accepted.org_id, resourceId: accepted.resource_id, role: accepted.role },
      expiresAt: new Date(Date.now() + INVITATION_CLAIM_TTL_MS),
    });
  }
  const result = { login: { accountId: actor.userId }, consent: { grantId }, gatehouse: { invitation: accepted?.id ?? null } };
  return finish(interaction, result);
}

/** Long enough for the app to exchange its code (which lives a minute), not much more. */
const INVITATION_CLAIM_TTL_MS = 10 * 60 * 1000;

/**
 * Accepts the request's invitation as the signed-in person and signs them in to the app (R58).
 * The invitation must be one of the app's org (else 404, as for an unknown token). Accepted here
 * or just before by their registration during this request (the register answer signs them in),
 * it counts; a wrong account gets EMAIL_MISMATCH and the invitation stays valid (R10).
 */
export async function acceptInvitationInteraction(ctx: AppContext, provider: Provider, uid: string, actor: UserActor): Promise<string> {
  const found = await find(provider, uid);
  const token = invitationToken(found.interaction);
  const row = token === null ? undefined : await findAppInvitation(ctx, found.client, token);
  if (token === null || row === undefined) throw new AppError('INVITATION_NOT_FOUND');
  // The request's age on the wall clock (the provider's), measured back from Gatehouse's clock.
  const startedAt = ctx.clock.now().getTime() - (Date.now() - found.interaction.iat * 1000);
  const acceptedByThisRequest = row.status === 'accepted' && row.user_id === actor.userId && row.accepted_at !== null && row.accepted_at.getTime() >= startedAt;
  if (!acceptedByThisRequest) await acceptInvitation(ctx, token, actor);
  return signInToApp(ctx, provider, found, actor, row);
}

/** The person declined: the app receives `access_denied`. */
export async function abortInteraction(provider: Provider, uid: string): Promise<string> {
  const { interaction } = await find(provider, uid);
  return finish(interaction, { error: 'access_denied', error_description: 'The person declined to sign in.' });
}

/**
 * Where GET /interaction/:uid sends the browser: straight back to the provider when nothing needs
 * the person (signed in, allowed, first-party, no invitation to handle), else to the page.
 */
export async function interactionEntry(ctx: AppContext, provider: Provider, uid: string, actor: UserActor | null): Promise<string> {
  const page = `/authorize/${encodeURIComponent(uid)}`;
  if (actor === null) return page;
  const view = await describeInteraction(ctx, provider, uid, actor).catch((error: unknown) => {
    if (error instanceof AppError) return null;
    throw error;
  });
  if (view?.invitation !== null || view.allowed !== true || !view.app.firstParty) return page;
  return confirmInteraction(ctx, provider, uid, actor);
}
