/**
 * The dev receiver (R93): `POST /api/v1/dev/webhooks`, a webhook endpoint the service itself
 * answers while the dev mailbox is on, so a machine with no network (the demo's first run) still
 * shows webhook deliveries. It keeps nothing: it checks the delivery's Standard Webhooks signature
 * with the secret of the endpoint the delivery was sent to and answers 204, and the delivery log
 * of that endpoint shows the 204.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { readSignatureHeaders, signatureFailure } from './signature.js';
import { findDeliveryEndpoint } from './webhook.repository.js';

export const DEV_RECEIVER_PATH = '/api/v1/dev/webhooks';

/** A `webhook-id` longer than this is no message id of ours (they are UUIDs). */
const MAX_MESSAGE_ID_LENGTH = 200;

/** The dev receiver's URL, exactly as a webhook endpoint stores it, or null when the dev mailbox is off (SMTP_URL set). */
export function devReceiverUrl(config: Pick<Config, 'publicUrl' | 'smtpUrl'>): string | null {
  return config.smtpUrl === null ? new URL(`${config.publicUrl}${DEV_RECEIVER_PATH}`).href : null;
}

function refuse(message: string): AppError {
  return new AppError('WEBHOOK_SIGNATURE_INVALID', { details: [{ path: 'headers', message }] });
}

/**
 * Accepts one delivery or throws: 404 MAILBOX_DISABLED while the dev mailbox is off, 401
 * WEBHOOK_SIGNATURE_INVALID when a signature header is missing, the `webhook-id` names no delivery
 * to this receiver, the timestamp is more than five minutes from the clock, or no signature
 * matches the body under that endpoint's secret.
 */
export async function receiveDevWebhook(
  ctx: { readonly db: Kysely<DB>; readonly clock: Clock; readonly config: Pick<Config, 'publicUrl' | 'smtpUrl'> },
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string,
): Promise<void> {
  const receiver = devReceiverUrl(ctx.config);
  if (receiver === null) throw new AppError('MAILBOX_DISABLED');
  const signed = readSignatureHeaders(headers);
  if (signed === null) throw refuse('webhook-id, webhook-timestamp and webhook-signature are each required, once');
  const id = signed['webhook-id'];
  const endpoint = id.length > MAX_MESSAGE_ID_LENGTH ? undefined : await findDeliveryEndpoint(ctx.db, id);
  if (endpoint?.url !== receiver) throw refuse('webhook-id names no delivery to this receiver');
  const failure = signatureFailure(endpoint.secret, signed, body, ctx.clock.now());
  if (failure === 'stale_timestamp') throw refuse('webhook-timestamp is not within five minutes of now');
  if (failure === 'bad_signature') throw refuse('no signature matches the body under the endpoint secret');
}
