/**
 * Verifying a webhook delivery from Gatehouse. Deliveries are signed by the Standard Webhooks
 * scheme (https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix seconds) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the endpoint's
 * `whsec_…` secret). The check itself is the `standardwebhooks` library's; this module names why
 * a delivery was refused and types what it carries.
 */
import { Webhook, WebhookVerificationError as LibraryVerificationError } from 'standardwebhooks';

/** How far `webhook-timestamp` may be from this machine's clock (the library's tolerance). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** Why a delivery was refused. */
export type WebhookFailure = 'missing_headers' | 'stale_timestamp' | 'bad_signature' | 'bad_payload';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a delivery carries: the event's type, when it happened, and its data with the ids of
 * what it is about (docs/http-api.md, "Webhooks").
 */
export interface WebhookEvent {
  /** `webhook-id`: the same on every retry of one delivery, so a receiver can drop duplicates. */
  id: string;
  /** The event type, e.g. `invitation.sent` or `invitation.accepted`. */
  type: string;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  data: WebhookEventData;
}

export interface WebhookEventData {
  eventId: string;
  orgId: string;
  invitationId: string | null;
  userId: string | null;
  personId: string | null;
  actor: { type: string; id: string | null };
  /** The event's own fields (what changed, the role, the email …). */
  [field: string]: unknown;
}

/** Request headers as Node (`req.headers`), the Fetch API (`Headers`) or a plain object give them. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Verifies a delivery and returns its event. `payload` is the raw request body exactly as
 * received (a string or bytes: a body parsed and re-serialized no longer matches its signature);
 * `secret` is the endpoint's `whsec_…` secret. Throws WebhookVerificationError when a signature
 * header is missing, the timestamp is more than five minutes from this machine's clock, no
 * signature matches, or the signed body is not a Gatehouse event.
 */
export function verifyWebhook(payload: string | Uint8Array, headers: WebhookHeaders, secret: string): WebhookEvent {
  const body = typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: false }).decode(payload);
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (id === undefined || timestamp === undefined || signature === undefined) {
    throw new WebhookVerificationError('missing_headers', 'The delivery lacks webhook-id, webhook-timestamp or webhook-signature.');
  }
  const seconds = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - seconds) > WEBHOOK_TOLERANCE_SECONDS) {
    throw new WebhookVerificationError('stale_timestamp', 'The delivery timestamp is not within five minutes of now (a replay, or a wrong clock).');
  }
  let event: unknown;
  try {
    event = new Webhook(secret).verify(body, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature });
  } catch (error) {
    if (error instanceof LibraryVerificationError) {
      // The timestamp was checked above; what is left is the signature (or the clock moved in between).
      const stale = /timestamp/i.test(error.message);
      throw new WebhookVerificationError(stale ? 'stale_timestamp' : 'bad_signature', stale ? error.message : 'No signature of the delivery matches the secret.');
    }
    if (error instanceof SyntaxError) throw new WebhookVerificationError('bad_payload', 'The signed body is not JSON.');
    throw error;
  }
  if (!isEventBody(event)) throw new WebhookVerificationError('bad_payload', 'The signed body is not a Gatehouse event.');
  return { id, ...event };
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return headers.get(name) ?? undefined;
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  const first = typeof value === 'string' ? value : value?.[0];
  return first === undefined || first === '' ? undefined : first;
}

function isEventBody(value: unknown): value is Omit<WebhookEvent, 'id'> {
  if (typeof value !== 'object' || value === null) return false;
  const { type, timestamp, data } = value as Record<string, unknown>;
  return typeof type === 'string' && typeof timestamp === 'string' && typeof data === 'object' && data !== null;
}
