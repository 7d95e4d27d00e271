/**
 * API keys: per org, named, with a permission set no wider than the creator's own at the org,
 * and never wider than the creator's current org-wide standing (auth/policy.ts: a demoted
 * creator's keys lose what the creator lost, a removed creator's keys hold nothing; a key
 * created by a key records the same creating user).
 * The secret is `gh_` + 256 random bits, returned once at creation; the table keeps its SHA-256
 * digest and a short prefix for recognising the key in the console.
 */
import { API_KEY_PREFIX, type Actor } from '../auth/actor.js';
import { randomToken, sha256 } from '../auth/crypto.js';
import { parsePermissions } from '../auth/permission-input.js';
import { covers } from '../auth/permissions.js';
import { standing } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import type { ApiKeyRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findApiKeyCreator, insertApiKey, listOrgApiKeys, revokeOrgApiKey } from './api-key.repository.js';

/** `gh_` and the first 6 characters of the random part. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

export async function createApiKey(
  ctx: AppContext,
  actor: Actor,
  orgId: string,
  input: { name: string; permissions: string[] },
): Promise<{ key: ApiKeyRow; secret: string }> {
  const permissions = parsePermissions(input.permissions);
  const found = await standing(ctx.db, actor, { orgId });
  if (!covers(found.permissions, permissions)) throw new AppError('PERMISSION_NOT_GRANTABLE');
  const secret = API_KEY_PREFIX + randomToken();
  // A key acts for the user behind it (policy: its permissions are bounded by that user's
  // current ones), so a key minted by a key is bound by the same user.
  // (A widget never reaches this route: docs/rules.md R81.)
  const createdBy = actor.type === 'api_key' ? ((await findApiKeyCreator(ctx.db, actor.keyId)) ?? null) : actor.userId;
  const key = await insertApiKey(
    ctx.db,
    { orgId, name: input.name.trim(), permissions, prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH), secretHash: sha256(secret), createdBy },
    ctx.clock.now(),
  );
  return { key, secret };
}

export async function listApiKeys(ctx: AppContext, orgId: string): Promise<ApiKeyRow[]> {
  return listOrgApiKeys(ctx.db, orgId);
}

/** Revokes a key (idempotent on an already revoked one); 404 API_KEY_NOT_FOUND outside the org. */
export async function revokeApiKey(ctx: AppContext, orgId: string, keyId: string): Promise<void> {
  if (!(await revokeOrgApiKey(ctx.db, orgId, keyId, ctx.clock.now()))) throw new AppError('API_KEY_NOT_FOUND');
}
