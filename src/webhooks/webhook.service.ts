/**
 * Webhook endpoints of an org: register (URL checked by the SSRF guard, event types checked,
 * a fresh signing secret shown once), list, get, delete, and the delivery log.
 */
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.js';
import { decodeCursor, type Page, pageOf } from '../http/cursor.js';
import type { OutboxRow, WebhookEndpointRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { devReceiverUrl } from './dev-receiver.js';
import { checkWebhookUrl, ForbiddenAddressError, type Lookup } from './ssrf.js';
import { isKnownEventType } from './webhook.events.js';
import {
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  insertWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  orgExists,
  type PageCursor,
} from './webhook.repository.js';

/** `whsec_` + base64 of 32 random bytes: the Standard Webhooks secret format. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface NewEndpoint {
  url: string;
  events: string[];
}

export async function createWebhookEndpoint(
  ctx: AppContext,
  orgId: string,
  input: NewEndpoint,
  deps: { lookup?: Lookup } = {},
): Promise<WebhookEndpointRow> {
  const unknown = input.events.flatMap((type, index) => (isKnownEventType(type) ? [] : [{ path: `events.${String(index)}`, message: `unknown event type "${type}"` }]));
  if (unknown.length > 0) throw new AppError('UNKNOWN_EVENT_TYPE', { details: unknown });
  let url: URL;
  try {
    url = await checkWebhookUrl(input.url, {
      allowPrivate: ctx.config.webhookAllowPrivate,
      devReceiver: devReceiverUrl(ctx.config),
      ...(deps.lookup === undefined ? {} : { lookup: deps.lookup }),
    });
  } catch (error) {
    if (error instanceof ForbiddenAddressError) throw new AppError('WEBHOOK_URL_FORBIDDEN', { details: [{ path: 'url', message: error.reason }] });
    throw error;
  }
  if (!(await orgExists(ctx.db, orgId))) throw new AppError('ORG_NOT_FOUND');
  return insertWebhookEndpoint(ctx.db, {
    orgId,
    url: url.toString(),
    events: [...new Set(input.events)],
    secret: newWebhookSecret(),
    createdAt: ctx.clock.now(),
  });
}

export async function getWebhookEndpoint(ctx: AppContext, orgId: string, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await findWebhookEndpoint(ctx.db, orgId, id);
  if (endpoint === undefined) throw new AppError('WEBHOOK_NOT_FOUND');
  return endpoint;
}

/** Deletes the endpoint; its queued deliveries then fail at delivery time ("endpoint deleted"). */
export async function removeWebhookEndpoint(ctx: AppContext, orgId: string, id: string): Promise<void> {
  if (!(await deleteWebhookEndpoint(ctx.db, orgId, id))) throw new AppError('WEBHOOK_NOT_FOUND');
}

/** Both lists page newest first on `(created_at, id)`. */
function parseCursor(cursor: string | null): PageCursor | null {
  if (cursor === null) return null;
  const [at, id] = decodeCursor(cursor, ['timestamp', 'uuid']);
  return { at, id };
}

function page<T extends { created_at: Date; id: string }>(rows: T[], limit: number): Page<T> {
  return pageOf(rows, limit, (row) => [row.created_at, row.id]);
}

export async function listEndpoints(ctx: AppContext, orgId: string, options: { limit: number; cursor: string | null }): Promise<Page<WebhookEndpointRow>> {
  return page(await listWebhookEndpoints(ctx.db, orgId, { limit: options.limit, cursor: parseCursor(options.cursor) }), options.limit);
}

export async function listDeliveries(
  ctx: AppContext,
  orgId: string,
  endpointId: string,
  options: { limit: number; cursor: string | null },
): Promise<Page<OutboxRow>> {
  await getWebhookEndpoint(ctx, orgId, endpointId);
  return page(await listWebhookDeliveries(ctx.db, endpointId, { limit: options.limit, cursor: parseCursor(options.cursor) }), options.limit);
}
