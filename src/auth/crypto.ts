/**
 * Secrets: 256-bit random tokens (base64url) and their SHA-256 digests, which is all the
 * database ever keeps of a session, invitation, API key or one-time link.
 */
import { createHash, randomBytes } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * `count` tokens of `bytes` random bytes each, drawn from the CSPRNG in one call (a batch of
 * 1,000 invitations needs 2,000 tokens; one system call each showed in the bulk profile).
 */
export function randomTokens(count: number, bytes = 32): string[] {
  const pool = randomBytes(count * bytes);
  return Array.from({ length: count }, (_, i) => pool.subarray(i * bytes, (i + 1) * bytes).toString('base64url'));
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
