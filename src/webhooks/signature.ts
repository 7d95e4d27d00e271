/**
 * The Standard Webhooks signature of a delivery, both ways: the headers the deliverer sends
 * (delivery.ts) and the check the dev receiver makes (dev-receiver.ts, R93). The HMAC-SHA256 over
 * `id.timestamp.body` is the `standardwebhooks` library's `sign`; the timestamp is judged against
 * the app's clock, not the library's `Date.now()`, so a manual clock (tests, the demo's two
 * weeks) signs and verifies alike.
 */
import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** How far `webhook-timestamp` may be from the receiver's clock (the scheme's five minutes). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** The three signature headers of one delivery attempt at `at`. */
export function signatureHeaders(secret: string, messageId: string, at: Date, body: string): SignatureHeaders {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, at, body),
  };
}

/** The signature headers of a request, or null when one is missing or empty (or repeated). */
export function readSignatureHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): SignatureHeaders | null {
  const one = (name: keyof SignatureHeaders): string | null => {
    const value = headers[name];
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const id = one('webhook-id');
  const timestamp = one('webhook-timestamp');
  const signature = one('webhook-signature');
  if (id === null || timestamp === null || signature === null) return null;
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
}

export type SignatureFailure = 'stale_timestamp' | 'bad_signature';

/**
 * Why a delivery's signature does not hold under `secret` at `now`, or null when it does: the
 * timestamp must be whole seconds within the tolerance of `now`, and one of the space-separated
 * `v1,` signatures must equal the HMAC of `id.timestamp.body` (compared in constant time).
 */
export function signatureFailure(secret: string, headers: SignatureHeaders, body: string, now: Date): SignatureFailure | null {
  const timestamp = headers['webhook-timestamp'];
  if (!/^\d{1,12}$/.test(timestamp)) return 'stale_timestamp';
  const seconds = Number(timestamp);
  if (Math.abs(now.getTime() / 1000 - seconds) > WEBHOOK_TOLERANCE_SECONDS) return 'stale_timestamp';
  const expected = Buffer.from(new Webhook(secret).sign(headers['webhook-id'], new Date(seconds * 1000), body));
  const matches = headers['webhook-signature'].split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? null : 'bad_signature';
}
