/**
 * Invitation tokens (docs/rules.md R1, R2): 32 random bytes, base64url, that appear only in the
 * emailed link; the database keeps their SHA-256 digest. Links are built from PUBLIC_URL only,
 * never from request headers (docs/rules.md R33).
 */
import { randomToken, randomTokens, sha256 } from '../auth/crypto.js';
import type { Config } from '../config.js';

export interface MintedToken {
  /** The secret: goes into the email's link and nowhere else. */
  token: string;
  /** What the row stores. */
  hash: string;
}

export function mintToken(): MintedToken {
  const token = randomToken(32);
  return { token, hash: sha256(token) };
}

/** mintToken for a batch (bulk create). */
export function mintTokens(count: number): MintedToken[] {
  return randomTokens(count, 32).map((token) => ({ token, hash: sha256(token) }));
}

export function tokenHash(token: string): string {
  return sha256(token);
}

/** A token shape check before any database work: 32 bytes in base64url are 43 characters. */
export function looksLikeToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token);
}

export function newTrackingId(): string {
  return randomToken(16);
}

export function newTrackingIds(count: number): string[] {
  return randomTokens(count, 16);
}

export function inviteLink(config: Pick<Config, 'publicUrl'>, token: string): string {
  return `${config.publicUrl}/invite/${token}`;
}

/**
 * The accept link a preview shows (docs/rules.md R90): an inert placeholder that carries no
 * token and opens no invitation.
 */
export function previewLink(config: Pick<Config, 'publicUrl'>): string {
  return `${config.publicUrl}/invite/preview`;
}

export function trackingPixelUrl(config: Pick<Config, 'publicUrl'>, trackingId: string): string {
  return `${config.publicUrl}/t/${trackingId}.gif`;
}

/**
 * Where the inviter reviews an invitation in the console: the person's page (its invitation
 * panel), or, when the person was removed from the directory, the invitations list searched for
 * the address.
 */
export function consoleLink(
  config: Pick<Config, 'publicUrl'>,
  invitation: { orgId: string; personId: string | null; email: string },
): string {
  if (invitation.personId !== null) return `${config.publicUrl}/orgs/${invitation.orgId}/people/${invitation.personId}`;
  return `${config.publicUrl}/orgs/${invitation.orgId}/invitations?q=${encodeURIComponent(invitation.email)}`;
}
