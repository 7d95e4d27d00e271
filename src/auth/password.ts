/**
 * Password hashing with scrypt at OWASP parameters (N=2^17, r=8, p=1). The parameters are kept
 * in the hash string, so a hash made with another cost (tests use a lower one) still verifies.
 * Format: `scrypt$N$r$p$salt$hash` (salt and hash base64url).
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

/** OWASP's scrypt cost for N (with r=8, p=1): about 128 MiB and a few hundred ms per hash. */
export const OWASP_SCRYPT_COST = 2 ** 17;
const KEY_LENGTH = 32;
const R = 8;
const P = 1;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** Length only (NIST 800-63B): 10 to 256 characters, no composition rules. */
export function assertPasswordPolicy(password: string): void {
  // Code points, not UTF-16 units: a password of emoji counts as many characters as it shows.
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN) throw new AppError('PASSWORD_TOO_SHORT', { details: [{ path: 'password', message: `must have at least ${String(PASSWORD_MIN)} characters` }] });
  if (length > PASSWORD_MAX) throw new AppError('PASSWORD_TOO_LONG', { details: [{ path: 'password', message: `must have at most ${String(PASSWORD_MAX)} characters` }] });
}

export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, R, P);
  return ['scrypt', String(cost), String(R), String(P), salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || n === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined) {
    return false;
  }
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * Verifies against a throwaway hash of the same cost, so signing in with an unknown email takes
 * as long as with a wrong password (no account enumeration by timing).
 */
export async function burnPasswordCheck(password: string, cost: number): Promise<false> {
  let dummy = dummyHashes.get(cost);
  if (dummy === undefined) {
    dummy = hashPassword(randomBytes(16).toString('hex'), cost);
    dummyHashes.set(cost, dummy);
  }
  await verifyPassword(password, await dummy);
  return false;
}
