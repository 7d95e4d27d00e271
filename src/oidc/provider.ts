/**
 * The OpenID Provider (oidc-provider, docs/rules.md R50–R58), configured for Gatehouse: issuer
 * PUBLIC_URL/oidc, authorization code with PKCE for every client, rotating refresh tokens,
 * userinfo, revocation, introspection for confidential clients, RP-initiated logout, no
 * development interactions or keys. Its storage is oidc/adapter.ts; clients are the apps registry.
 */
import { timingSafeEqual } from 'node:crypto';
import Provider, { type Account, type ClientInstance, errors, type GrantInstance, interactionPolicy, type KoaContextWithOIDC, type TokenInstance } from 'oidc-provider';
import { sha256 } from '../auth/crypto.js';
import { findUserById } from '../auth/user.repository.js';
import type { AppContext } from '../context.js';
import { kyselyAdapter } from './adapter.js';
import { findResource } from '../orgs/org.repository.js';
import { hasAccessToResource, hasGrantInOrg } from './claims.repository.js';
import { gatehouseClaim, ID_TOKEN_GRANT_CAP, standardClaims } from './claims.js';
import { takeInvitationClaim } from './oidc-payload.repository.js';
import type { PrivateJwk } from './signing-keys.js';

export const OIDC_PREFIX = '/oidc';
export const SCOPES = ['openid', 'profile', 'email', 'gatehouse', 'offline_access'] as const;
/** Access tokens live minutes: a removed grant stops working at the next refresh (R54). */
export const ACCESS_TOKEN_TTL_S = 5 * 60;
export const ID_TOKEN_TTL_S = 60 * 60;
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 60 * 60;

/** The app's org (client metadata set by oidc/adapter.ts). */
export function clientOrgId(client: ClientInstance): string {
  return String(client.metadata().gatehouse_org_id);
}

export function clientFirstParty(client: ClientInstance): boolean {
  return client.metadata().gatehouse_first_party === true;
}

/**
 * A resource as a resource indicator (RFC 8707 wants an absolute URI): the `resource` parameter of
 * /authorize narrows the `gatehouse` claim to one resource (docs/rules.md R56).
 */
export const RESOURCE_URN_PREFIX = 'urn:gatehouse:resource:';
const RESOURCE_URN = /^urn:gatehouse:resource:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The resource id a resource indicator names, or null when it names none. */
export function resourceIdOf(indicator: unknown): string | null {
  return typeof indicator === 'string' ? (RESOURCE_URN.exec(indicator)?.[1] ?? null) : null;
}

/** The resource a code, refresh token (its `resource`) or access token (its extra claim) was narrowed to. */
function narrowedTo(token: TokenInstance | undefined): string | null {
  return resourceIdOf(token?.resource) ?? resourceIdOf(token?.extra?.gatehouse_resource);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Gatehouse</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f6f7f9;color:#1b1f24}main{background:#fff;padding:2rem;border-radius:12px;max-width:28rem;width:calc(100% - 2rem);box-shadow:0 1px 3px #0002}button{font:inherit;padding:.6rem 1rem;border-radius:8px;border:1px solid #888;background:#fff;margin:.25rem .5rem 0 0;min-height:44px}button.primary{background:#1f5fd1;color:#fff;border-color:#1f5fd1}</style></head><body><main>${body}</main></body></html>`;
}

/**
 * The provider's prompts, plus one: a request carrying an `invitation` always meets Gatehouse's
 * page once, even for someone already signed in, so the invitation is accepted (or set aside) on
 * the way (R58). Finishing the interaction marks it handled (`result.gatehouse`).
 */
function gatehousePolicy() {
  const policy = interactionPolicy.base();
  policy.get('login')?.checks.add(
    new interactionPolicy.Check('gatehouse_invitation', 'an invitation is to be accepted on the way', (oidcCtx: KoaContextWithOIDC) => {
      const invitation = oidcCtx.oidc.params?.invitation;
      const handled = oidcCtx.oidc.result?.gatehouse !== undefined;
      return typeof invitation === 'string' && invitation !== '' && !handled;
    }),
  );
  return policy;
}

export function buildProvider(ctx: AppContext, options: { keys: PrivateJwk[]; cookieKeys: string[] }): Provider {
  const { db } = ctx;
  const issuer = `${ctx.config.publicUrl}${OIDC_PREFIX}`;

  async function findAccount(oidcCtx: KoaContextWithOIDC, sub: string, token?: TokenInstance): Promise<Account | undefined> {
    const user = await findUserById(db, sub);
    if (user?.status !== 'active') return undefined;
    const client = oidcCtx.oidc.client;
    // Only people with standing in the app's org (R48); checked again at every token and userinfo use.
    if (client !== undefined && !(await hasGrantInOrg(db, clientOrgId(client), user.id))) return undefined;
    const resourceId = narrowedTo(token);
    return {
      accountId: user.id,
      claims: async (use, scope) => {
        const scopes = new Set(scope.split(' '));
        const claims: Record<string, unknown> = { sub: user.id, ...standardClaims(user) };
        // The invitation accepted on the way here, in the first ID token after the accept only (R58).
        if (use === 'id_token' && token?.grantId !== undefined) {
          const accepted = await takeInvitationClaim(db, token.grantId, new Date());
          if (accepted !== undefined) claims.gatehouse_invitation = accepted;
        }
        if (client !== undefined && scopes.has('gatehouse')) {
          claims.gatehouse = await gatehouseClaim(db, clientOrgId(client), user.id, {
            resourceId,
            ...(use === 'id_token' ? { cap: ID_TOKEN_GRANT_CAP } : {}),
          });
        }
        return claims;
      },
    };
  }

  const provider = new Provider(issuer, {
    adapter: kyselyAdapter(db),
    findAccount,
    jwks: { keys: options.keys },
    cookies: { keys: options.cookieKeys },
    scopes: [...SCOPES],
    claims: {
      openid: ['sub', 'gatehouse_invitation'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
      gatehouse: ['gatehouse'],
    },
    // Scope claims go in the ID token too (capped there, R50), not only at userinfo.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    clientDefaults: { grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], id_token_signed_response_alg: 'RS256' },
    extraClientMetadata: { properties: ['gatehouse_org_id', 'gatehouse_first_party'] },
    extraParams: ['invitation'],
    // The access token of a narrowed request remembers the resource, for userinfo (R56).
    extraTokenClaims: (oidcCtx: KoaContextWithOIDC, token: TokenInstance) => {
      const source = oidcCtx.oidc.entities.AuthorizationCode ?? oidcCtx.oidc.entities.RefreshToken;
      const resourceId = token.kind === 'AccessToken' ? resourceIdOf(source?.resource) : null;
      return resourceId === null ? undefined : { gatehouse_resource: `${RESOURCE_URN_PREFIX}${resourceId}` };
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL_S,
      RefreshToken: REFRESH_TOKEN_TTL_S,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: REFRESH_TOKEN_TTL_S,
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`, policy: gatehousePolicy() },
    // First-party apps never show consent (R49): their grant covers what they ask for.
    loadExistingGrant: async (oidcCtx: KoaContextWithOIDC): Promise<GrantInstance | undefined> => {
      const { client, session, result } = oidcCtx.oidc;
      if (client === undefined || session?.accountId === undefined) return undefined;
      // A narrowed request for a resource the person cannot see goes back to the app as
      // invalid_target (R56); someone with no standing in the org at all is R48's business.
      const narrowed = resourceIdOf(oidcCtx.oidc.params?.resource);
      if (narrowed !== null && (await hasGrantInOrg(db, clientOrgId(client), session.accountId)) && !(await hasAccessToResource(db, clientOrgId(client), session.accountId, narrowed))) {
        throw new errors.InvalidTarget('no access to the requested resource');
      }
      const consent = result?.consent as { grantId?: string } | undefined;
      const grantId = consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId === undefined ? undefined : await provider.Grant.find(grantId);
      if (!clientFirstParty(client)) return existing;
      const grant = existing ?? new provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      const wanted = [...oidcCtx.oidc.requestParamScopes].filter((scope) => (SCOPES as readonly string[]).includes(scope));
      grant.addOIDCScope(wanted.join(' '));
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      // RFC 8707 resource indicators name one of the org's resources (R56). They narrow the
      // claims only: the access token stays one for userinfo (never a resource-server token),
      // carrying the narrowing as an extra claim.
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx: unknown, _client: unknown, oneOf?: string[]) => oneOf,
        useGrantedResource: () => false,
        getResourceServerInfo: async (_ctx: unknown, indicator: string, client: ClientInstance) => {
          const resourceId = resourceIdOf(indicator);
          if (resourceId === null || (await findResource(db, clientOrgId(client), resourceId)) === undefined) {
            throw new errors.InvalidTarget('resource must be urn:gatehouse:resource:<id> of a resource of the app\'s organization');
          }
          return { scope: '', accessTokenFormat: 'opaque' };
        },
      },
      userinfo: { enabled: true },
      introspection: {
        enabled: true,
        // Confidential apps only, and only their own tokens.
        allowedPolicy: (_ctx: unknown, client: ClientInstance, token: TokenInstance) => client.clientAuthMethod !== 'none' && token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (oidcCtx: { body: string; host: string }, form: string) => {
          oidcCtx.body = page(
            'Sign out',
            `<h1>Sign out?</h1><p>You are signing out of the app.</p>${form}<button class="primary" autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button><button type="submit" form="op.logoutForm">Stay signed in</button>`,
          );
        },
        postLogoutSuccessSource: (oidcCtx: { body: string }) => {
          oidcCtx.body = page('Signed out', '<h1>Signed out</h1><p>You have signed out of the app.</p>');
        },
      },
    },
    renderError: (oidcCtx: { type: string; body: string }, out: Record<string, string>) => {
      oidcCtx.type = 'html';
      oidcCtx.body = page(
        'Sign-in error',
        `<h1>This sign-in request cannot go on</h1><p>${escapeHtml(out.error_description ?? out.error ?? 'Unknown error')}</p><p>Go back to the app and try again.</p>`,
      );
    },
  });
  provider.proxy = ctx.config.trustProxy !== false;
  // The database keeps only the secret's SHA-256 (R47): compare digests, in constant time.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(this: ClientInstance, actual: string) {
    const stored = Buffer.from(String(this.clientSecret), 'utf8');
    const given = Buffer.from(sha256(actual), 'utf8');
    return stored.length === given.length && timingSafeEqual(stored, given);
  };
  return provider;
}
