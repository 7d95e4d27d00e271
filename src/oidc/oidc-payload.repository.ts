/**
 * The `oidc_payloads` table (docs/architecture.md): everything oidc-provider persists, one row
 * per model and id, with the columns it is looked up by. `account_id` names the Gatehouse user a
 * row belongs to, so all of a user's sessions, grants and tokens can be revoked at once.
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB, JsonObject } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export interface PayloadRow {
  payload: JsonObject;
  consumed_at: Date | null;
}

export async function upsertPayload(
  db: Db,
  row: { model: string; id: string; payload: JsonObject; grantId: string | null; uid: string | null; userCode: string | null; accountId: string | null; expiresAt: Date | null },
): Promise<void> {
  const values = {
    model: row.model,
    id: row.id,
    payload: JSON.stringify(row.payload),
    grant_id: row.grantId,
    uid: row.uid,
    user_code: row.userCode,
    account_id: row.accountId,
    expires_at: row.expiresAt,
  };
  await db
    .insertInto('oidc_payloads')
    .values(values)
    .onConflict((oc) =>
      oc.columns(['model', 'id']).doUpdateSet({
        payload: values.payload,
        grant_id: values.grant_id,
        uid: values.uid,
        user_code: values.user_code,
        account_id: values.account_id,
        expires_at: values.expires_at,
      }),
    )
    .execute();
}

/** The row unless it has expired at `now`. */
export async function findPayload(db: Db, model: string, by: { id: string } | { uid: string } | { userCode: string }, now: Date): Promise<PayloadRow | undefined> {
  let query = db.selectFrom('oidc_payloads').select(['payload', 'consumed_at']).where('model', '=', model);
  if ('id' in by) query = query.where('id', '=', by.id);
  else if ('uid' in by) query = query.where('uid', '=', by.uid);
  else query = query.where('user_code', '=', by.userCode);
  return query.where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)])).executeTakeFirst();
}

/**
 * Marks the row consumed unless it already was, in one statement: of two concurrent consumes of
 * one code or refresh token, exactly one sees `true`.
 */
export async function consumePayload(db: Db, model: string, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('oidc_payloads')
    .set({ consumed_at: now })
    .where('model', '=', model)
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function destroyPayload(db: Db, model: string, id: string): Promise<void> {
  await db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
}

/** The grant and every row issued under it (codes and tokens). */
export async function destroyGrantPayloads(db: Db, grantId: string): Promise<void> {
  await db
    .deleteFrom('oidc_payloads')
    .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]))
    .execute();
}

/**
 * Removes every session, grant, code and token of the user (at every app); the number of rows
 * removed. The grants' ids are returned so the caller can tell the apps which grants ended.
 */
export async function destroyAccountPayloads(db: Db, accountId: string): Promise<{ removed: number; grantIds: string[] }> {
  const grants = await db.selectFrom('oidc_payloads').select('id').where('model', '=', 'Grant').where('account_id', '=', accountId).execute();
  const grantIds = grants.map((row) => row.id);
  let query = db.deleteFrom('oidc_payloads').where('account_id', '=', accountId);
  if (grantIds.length > 0) query = db.deleteFrom('oidc_payloads').where((eb) => eb.or([eb('account_id', '=', accountId), eb('grant_id', 'in', grantIds)]));
  const result = await query.executeTakeFirst();
  return { removed: Number(result.numDeletedRows), grantIds };
}

/** Whether the user has any refresh token or session left (tests and the revocation event). */
export async function countAccountPayloads(db: Db, accountId: string): Promise<number> {
  const row = await db.selectFrom('oidc_payloads').select(sql<number>`count(*)::int`.as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
  return row.n;
}

/**
 * Gatehouse's own row in the table (model `GatehouseInvitation`, keyed by the provider grant):
 * which invitation the person just accepted on the way to the app, for the first ID token issued
 * under that grant (docs/rules.md R58). It goes with the grant when the grant is revoked.
 */
export const INVITATION_CLAIM_MODEL = 'GatehouseInvitation';

export async function putInvitationClaim(db: Db, row: { grantId: string; accountId: string; claim: JsonObject; expiresAt: Date }): Promise<void> {
  await upsertPayload(db, {
    model: INVITATION_CLAIM_MODEL,
    id: row.grantId,
    payload: row.claim,
    grantId: row.grantId,
    uid: null,
    userCode: null,
    accountId: row.accountId,
    expiresAt: row.expiresAt,
  });
}

/** Takes (deletes and returns) the grant's invitation claim, once: a concurrent take gets nothing. */
export async function takeInvitationClaim(db: Db, grantId: string, now: Date): Promise<JsonObject | undefined> {
  const row = await db
    .deleteFrom('oidc_payloads')
    .where('model', '=', INVITATION_CLAIM_MODEL)
    .where('id', '=', grantId)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .returning('payload')
    .executeTakeFirst();
  return row?.payload;
}

/** Deletes rows that expired before `now` (housekeeping). */
export async function deleteExpiredPayloads(db: Db, now: Date): Promise<number> {
  const result = await db.deleteFrom('oidc_payloads').where('expires_at', '<', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
