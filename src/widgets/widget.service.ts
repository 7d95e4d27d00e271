/**
 * Minting widget tokens (docs/rules.md R80): a host app's backend, with its API key, asks for a
 * short-lived token that lets Gatehouse's embedded elements act as one of the org's users on the
 * app's pages. The token allows the requested scopes that both the key (bounded by its creator,
 * R25) and the user (at the org, or at the named resource) hold now; it is stored as a digest,
 * and the mint is an audit event naming the user, the app and the key.
 */
import { type Actor, WIDGET_TOKEN_PREFIX } from '../auth/actor.js';
import { randomToken, sha256 } from '../auth/crypto.js';
import { holds } from '../auth/permissions.js';
import { assertOwnResource, orgGrants, standingIn, type OrgGrants } from '../auth/policy.js';
import { findUserById } from '../auth/user.repository.js';
import { displayName } from '../auth/user.presenter.js';
import { findApp } from '../apps/app.repository.js';
import type { AppContext } from '../context.js';
import type { WidgetTokenRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent } from '../events/event.repository.js';
import { eventActor } from '../auth/actor.js';
import { deleteExpiredWidgetTokens, insertWidgetToken } from './widget.repository.js';

export const WIDGET_TTL_DEFAULT_SECONDS = 600;
export const WIDGET_TTL_MAX_SECONDS = 900;
export const WIDGET_TTL_MIN_SECONDS = 30;
/** Expired tokens are dropped a few at a time as new ones are minted. */
const PRUNE_BATCH = 100;

export interface MintInput {
  appId: string;
  userId: string;
  resourceId?: string | null;
  scopes: readonly string[];
  ttlSeconds?: number;
}

/** 403 FORBIDDEN for anyone but an API key: a session (or a widget) never mints tokens. */
export function requireApiKey(actor: Actor): Extract<Actor, { type: 'api_key' }> {
  if (actor.type !== 'api_key') {
    throw new AppError('FORBIDDEN', { details: [{ path: 'authorization', message: 'widget tokens are minted with an API key' }] });
  }
  return actor;
}

export async function mintWidgetToken(
  ctx: AppContext,
  actor: Actor,
  keyGrants: OrgGrants,
  orgId: string,
  input: MintInput,
): Promise<{ token: string; row: WidgetTokenRow }> {
  const key = requireApiKey(actor);
  const resourceId = input.resourceId ?? null;
  await assertOwnResource(ctx.db, { orgId, resourceId });
  const app = await findApp(ctx.db, orgId, input.appId);
  if (app === undefined) throw new AppError('APP_NOT_FOUND');

  // The user as the console would see them now: an active account with a grant in the org.
  // Anyone else is USER_NOT_FOUND, exactly as an id that does not exist (docs/rules.md R24).
  const user = await findUserById(ctx.db, input.userId);
  if (user?.status !== 'active') throw new AppError('USER_NOT_FOUND');
  const asUser: Actor = { type: 'user', userId: user.id, email: user.email, name: displayName(user), isInstanceAdmin: false, sessionId: '' };
  const userGrants = await orgGrants(ctx.db, asUser, orgId);
  const userStanding = standingIn(userGrants, asUser, { orgId, resourceId });
  if (!userStanding.member) throw new AppError('USER_NOT_FOUND');

  // The key hands on only what it holds (docs/rules.md R20, R25), and the user only what they hold there.
  const keyPermissions = standingIn(keyGrants, key, { orgId }).permissions;
  const scopes = [...new Set(input.scopes)].filter((scope) => holds(keyPermissions, scope) && holds(userStanding.permissions, scope));

  const now = ctx.clock.now();
  const token = WIDGET_TOKEN_PREFIX + randomToken();
  const ttl = input.ttlSeconds ?? WIDGET_TTL_DEFAULT_SECONDS;
  const row = await ctx.db.transaction().execute(async (trx) => {
    await deleteExpiredWidgetTokens(trx, now, PRUNE_BATCH);
    const inserted = await insertWidgetToken(
      trx,
      { tokenHash: sha256(token), orgId, appId: app.id, userId: user.id, apiKeyId: key.keyId, resourceId, scopes, expiresAt: new Date(now.getTime() + ttl * 1000) },
      now,
    );
    await appendEvent(trx, {
      type: 'widget.token_issued',
      orgId,
      actor: eventActor(key),
      userId: user.id,
      data: { appId: app.id, resourceId, scopes, expiresAt: inserted.expires_at.toISOString() },
      occurredAt: now,
    });
    return inserted;
  });
  return { token, row };
}
