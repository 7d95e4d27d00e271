/**
 * Secrets: 256-bit random tokens (base64url) and their SHA-256 digests, which is all the
 * database ever keeps of a session, invitation, API key or one-time link.
 */
import { createHash, randomBytes } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
