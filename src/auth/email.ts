/**
 * Email addresses are compared canonically: trimmed and lower-cased (docs/rules.md R26).
 */
import { AppError } from '../errors.js';

// Deliberately plain: one @, no spaces, a dot in the domain, at most 254 characters (RFC 5321).
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The canonical form of a valid address; 400 INVALID_EMAIL (at `path`) otherwise. */
export function parseEmail(email: string, path = 'email'): string {
  const canonical = canonicalEmail(email);
  if (canonical.length > 254 || !EMAIL.test(canonical)) {
    throw new AppError('INVALID_EMAIL', { details: [{ path, message: 'is not a valid email address' }] });
  }
  return canonical;
}
