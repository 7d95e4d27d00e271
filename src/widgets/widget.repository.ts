/**
 * The widget_tokens table (minting and pruning; the kernel's look-up is auth/widget-token.repository.ts)
 * and the origin question CORS asks of every app.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB, WidgetTokenRow } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface NewWidgetToken {
  tokenHash: string;
  orgId: string;
  appId: string;
  userId: string;
  apiKeyId: string;
  resourceId: string | null;
  scopes: readonly string[];
  expiresAt: Date;
}

export async function insertWidgetToken(db: Db, token: NewWidgetToken, now: Date): Promise<WidgetTokenRow> {
  return db
    .insertInto('widget_tokens')
    .values({
      token_hash: token.tokenHash,
      org_id: token.orgId,
      app_id: token.appId,
      user_id: token.userId,
      api_key_id: token.apiKeyId,
      resource_id: token.resourceId,
      scopes: JSON.stringify(token.scopes),
      expires_at: token.expiresAt,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Drops tokens that expired before `before` (they answer 401 either way); at most `limit` per call. */
export async function deleteExpiredWidgetTokens(db: Db, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('widget_tokens')
    .where('id', 'in', (query) => query.selectFrom('widget_tokens').select('id').where('expires_at', '<', before).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Whether any app of any org lists this origin among its allowed origins. */
export async function someAppAllowsOrigin(db: Db, origin: string): Promise<boolean> {
  const row = await db
    .selectFrom('apps')
    .select('id')
    .where(sql<boolean>`allowed_origins @> ${JSON.stringify([origin])}::jsonb`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
