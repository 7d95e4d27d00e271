/**
 * Delivers one webhook outbox row: signs the stored payload with the endpoint's secret by the
 * Standard Webhooks scheme (`webhook-id` = the row's stable message id, `webhook-timestamp` =
 * this attempt, `webhook-signature`; signature.ts), and POSTs it. A 2xx answer is delivered; any
 * other answer, a timeout or a network error is retried by the dispatcher. An endpoint that was
 * deleted, or whose URL now points at a forbidden address, fails at once. The dev receiver's own
 * URL passes the SSRF guard while the dev mailbox is on (R37, R93).
 *
 * Redirects are not followed (a redirect could lead past the SSRF guard).
 */
import http from 'node:http';
import https from 'node:https';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { DB, OutboxRow } from '../db/schema.js';
import { type Deliverer, type Delivered, DeliveryError, truncate } from '../outbox/deliverer.js';
import { devReceiverUrl } from './dev-receiver.js';
import { signatureHeaders } from './signature.js';
import { findEndpointSecret } from './webhook.repository.js';
import { checkWebhookUrl, ForbiddenAddressError, guardedLookup, isDevReceiver } from './ssrf.js';

/**
 * The last hop of a delivery: POSTs `body` with `headers` to `url` (already through the SSRF
 * guard) and resolves with the answer's status. The default is HTTP; the demo delivers to the dev
 * receiver in-process.
 */
export type WebhookSend = (url: URL, body: string, headers: Record<string, string>) => Promise<number>;

export interface WebhookDeliveryOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  /** The dev receiver's URL while the dev mailbox is on, else null (devReceiverUrl). */
  devReceiver: string | null;
  send?: WebhookSend;
}

export const WEBHOOK_USER_AGENT = 'Gatehouse-Webhooks/1';

/** How long a receiver has to answer. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Webhooks as a deliverer of the outbox (registered by buildApp). The payload is kept once
 * delivered: it is the delivery log an org's admins read.
 */
export function webhookDeliverer(
  ctx: { readonly db: Kysely<DB>; readonly clock: Clock; readonly config: Pick<Config, 'webhookAllowPrivate' | 'publicUrl' | 'smtpUrl'> },
  options: { timeoutMs?: number; send?: WebhookSend } = {},
): Deliverer {
  const settings: WebhookDeliveryOptions = {
    allowPrivate: ctx.config.webhookAllowPrivate,
    timeoutMs: options.timeoutMs ?? WEBHOOK_TIMEOUT_MS,
    devReceiver: devReceiverUrl(ctx.config),
    ...(options.send === undefined ? {} : { send: options.send }),
  };
  return {
    kind: 'webhook',
    deliver: (row) => deliverWebhook(ctx.db, row, ctx.clock.now(), settings),
  };
}

export async function deliverWebhook(
  db: Kysely<DB>,
  row: OutboxRow,
  now: Date,
  options: WebhookDeliveryOptions,
): Promise<Delivered> {
  if (row.webhook_endpoint_id === null) throw new DeliveryError('webhook row without an endpoint', true);
  const endpoint = await findEndpointSecret(db, row.webhook_endpoint_id);
  if (endpoint === undefined) throw new DeliveryError('the webhook endpoint was deleted', true);
  let url: URL;
  try {
    url = await checkWebhookUrl(endpoint.url, { allowPrivate: options.allowPrivate, devReceiver: options.devReceiver });
  } catch (error) {
    if (error instanceof ForbiddenAddressError) throw new DeliveryError(`forbidden webhook URL: ${error.reason}`, true);
    throw error;
  }
  const body = JSON.stringify(row.payload);
  const headers = {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    ...signatureHeaders(endpoint.secret, row.message_id, now, body),
  };
  // The dev receiver is this service at PUBLIC_URL: its address may be loopback.
  const allowPrivate = options.allowPrivate || isDevReceiver(url, options.devReceiver);
  const send = options.send ?? ((target: URL, text: string, sent: Record<string, string>) => post(target, text, sent, { allowPrivate, timeoutMs: options.timeoutMs }));
  const status = await send(url, body, headers);
  if (status >= 200 && status < 300) return { responseStatus: status };
  throw new DeliveryError(`the receiver answered HTTP ${String(status)}`, false, status);
}

const MAX_RESPONSE_BYTES = 64 * 1024;

function post(url: URL, body: string, headers: Record<string, string>, options: { allowPrivate: boolean; timeoutMs: number }): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowPrivate),
        timeout: options.timeoutMs,
        signal: AbortSignal.timeout(options.timeoutMs),
        agent: false,
      },
      (response) => {
        let received = 0;
        // The answer body is read (a receiver may wait for it to be consumed) and thrown away.
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
        response.on('close', () => {
          resolve(response.statusCode ?? 0);
        });
        response.on('error', () => {
          resolve(response.statusCode ?? 0);
        });
      },
    );
    request.on('timeout', () => {
      request.destroy(new DeliveryError(`no answer within ${String(options.timeoutMs)} ms`, false));
    });
    request.on('error', (error: Error) => {
      if (error instanceof ForbiddenAddressError) reject(new DeliveryError(`forbidden webhook URL: ${error.reason}`, true));
      else if (error instanceof DeliveryError) reject(error);
      else if (error.name === 'AbortError' || error.name === 'TimeoutError') reject(new DeliveryError(`no answer within ${String(options.timeoutMs)} ms`, false));
      else reject(new DeliveryError(truncate(error.message), false));
    });
    request.end(body);
  });
}
