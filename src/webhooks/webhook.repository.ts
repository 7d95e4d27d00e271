/**
 * Webhook endpoints and their delivery log (the outbox rows of kind `webhook`).
 */
import type { Kysely } from 'kysely';
import type { DB, OutboxRow, WebhookEndpointRow } from '../db/schema.js';

/** A `(created_at, id)` keyset position in a newest-first list. */
export interface PageCursor {
  at: Date;
  id: string;
}

export async function insertWebhookEndpoint(
  db: Kysely<DB>,
  endpoint: { orgId: string; url: string; events: string[]; secret: string; createdAt: Date },
): Promise<WebhookEndpointRow> {
  return db
    .insertInto('webhook_endpoints')
    .values({
      org_id: endpoint.orgId,
      url: endpoint.url,
      events: JSON.stringify(endpoint.events),
      secret: endpoint.secret,
      created_at: endpoint.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findWebhookEndpoint(db: Kysely<DB>, orgId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Newest first; fetches one more than `limit` so the caller knows whether a next page exists. */
export async function listWebhookEndpoints(
  db: Kysely<DB>,
  orgId: string,
  page: { limit: number; cursor: PageCursor | null },
): Promise<WebhookEndpointRow[]> {
  let query = db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  const cursor = page.cursor;
  if (cursor !== null) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.at, cursor.id)));
  }
  return query.execute();
}

/** Where a delivery goes and what signs it: the endpoint's URL and secret, by id alone. */
export async function findEndpointSecret(db: Kysely<DB>, id: string): Promise<Pick<WebhookEndpointRow, 'url' | 'secret'> | undefined> {
  return db.selectFrom('webhook_endpoints').select(['url', 'secret']).where('id', '=', id).executeTakeFirst();
}

/** Whether the org exists (an endpoint is registered only in one). */
export async function orgExists(db: Kysely<DB>, orgId: string): Promise<boolean> {
  return (await db.selectFrom('orgs').select('id').where('id', '=', orgId).executeTakeFirst()) !== undefined;
}

export async function deleteWebhookEndpoint(db: Kysely<DB>, orgId: string, id: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function listWebhookDeliveries(
  db: Kysely<DB>,
  endpointId: string,
  page: { limit: number; cursor: PageCursor | null },
): Promise<OutboxRow[]> {
  let query = db
    .selectFrom('outbox')
    .selectAll()
    .where('kind', '=', 'webhook')
    .where('webhook_endpoint_id', '=', endpointId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  const cursor = page.cursor;
  if (cursor !== null) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(cursor.at, cursor.id)));
  }
  return query.execute();
}

/**
 * The endpoint a delivery was sent to, found by the delivery's `webhook-id` (its outbox row's
 * unique message id): the endpoint's URL and secret, or undefined when no webhook row has it.
 */
export async function findDeliveryEndpoint(db: Kysely<DB>, messageId: string): Promise<Pick<WebhookEndpointRow, 'url' | 'secret'> | undefined> {
  return db
    .selectFrom('outbox as o')
    .innerJoin('webhook_endpoints as w', 'w.id', 'o.webhook_endpoint_id')
    .select(['w.url', 'w.secret'])
    .where('o.kind', '=', 'webhook')
    .where('o.message_id', '=', messageId)
    .executeTakeFirst();
}
