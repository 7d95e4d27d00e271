/**
 * Email addresses are compared canonically: trimmed, lower-cased, and without the trailing dot
 * of a fully qualified domain (`a@example.org.` is the mailbox `a@example.org`). Every place
 * that stores, looks up or compares an address goes through this module, so one mailbox can
 * never hold two accounts, two people or two invitations (docs/rules.md R26).
 */
import { AppError } from '../errors.js';

// Deliberately plain: one @, no spaces, a dot in the domain, at most 254 characters (RFC 5321).
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Characters that show as nothing (or as blank) but make a different string: format characters
 * (zero-width space and joiners, bidi controls, soft hyphen…), controls, unassigned and private
 * use code points, variation selectors, the combining grapheme joiner and the blank fillers.
 */
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Variation_Selector}\u115F\u1160\u2800\u3164\uFFA0]|\u034F|\u17B4|\u17B5/u;

/** The comparison form of an address (no validation): for look-ups of what a caller typed. */
export function canonicalEmail(email: string): string {
  return email.trim().toLowerCase().replace(/\.+$/, '');
}

/**
 * The canonical form of a valid address. 400 VALIDATION_FAILED (at `path`) when it holds an
 * invisible or formatting character; 400 INVALID_EMAIL (at `path`) when it is not an address.
 */
export function parseEmail(email: string, path = 'email'): string {
  if (INVISIBLE.test(email.trim())) {
    throw new AppError('VALIDATION_FAILED', { details: [{ path, message: 'must not contain invisible or formatting characters' }] });
  }
  const canonical = canonicalEmail(email);
  if (canonical.length > 254 || !EMAIL.test(canonical)) {
    throw new AppError('INVALID_EMAIL', { details: [{ path, message: 'is not a valid email address' }] });
  }
  return canonical;
}
