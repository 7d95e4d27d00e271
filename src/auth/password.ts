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

function deriveNow(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/**
 * At most this many scrypt runs at once in the process. scrypt runs on libuv's small thread
 * pool, shared with file and DNS work; without a bound, a burst of password checks queues in
 * front of everyone else's sign-in and starves the rest of the pool.
 */
export const PASSWORD_HASH_CONCURRENCY = 3;

/**
 * A fair queue in front of scrypt: waiting work is served round-robin by requester key (an
 * account, a session, a link), so one requester's burst waits behind its own earlier work and
 * not in front of other people's. Process-wide on purpose: the thread pool it guards is.
 */
export class FairGate {
  private running = 0;
  private readonly queues = new Map<string, (() => void)[]>();

  constructor(private readonly concurrency: number) {}

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    await this.enter(key);
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private enter(key: string): Promise<void> {
    if (this.running < this.concurrency && this.queues.size === 0) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.queues.get(key);
      if (queue === undefined) this.queues.set(key, [resolve]);
      else queue.push(resolve);
    });
  }

  private leave(): void {
    // Map order is insertion order: the first key is the one served longest ago, and it goes
    // to the back after one turn.
    const next = this.queues.entries().next();
    if (next.done === true) {
      this.running -= 1;
      return;
    }
    const [key, queue] = next.value;
    const resolve = queue.shift();
    this.queues.delete(key);
    if (queue.length > 0) this.queues.set(key, queue);
    resolve?.();
  }
}

const gate = new FairGate(PASSWORD_HASH_CONCURRENCY);

/** Who a password check is for, so the fair queue can keep requesters apart. */
export type HashRequester = string;

function derive(password: string, salt: Buffer, n: number, r: number, p: number, requester: HashRequester): Promise<Buffer> {
  return gate.run(requester, () => deriveNow(password, salt, n, r, p));
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

export async function hashPassword(password: string, cost: number, requester: HashRequester = 'anonymous'): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, R, P, requester);
  return ['scrypt', String(cost), String(R), String(P), salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string, requester: HashRequester = 'anonymous'): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || n === undefined || r === undefined || p === undefined || salt === undefined || hash === undefined) {
    return false;
  }
  const expected = Buffer.from(hash, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p), requester);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * Verifies against a throwaway hash of the same cost, so signing in with an unknown email takes
 * as long as with a wrong password (no account enumeration by timing).
 */
export async function burnPasswordCheck(password: string, cost: number, requester: HashRequester = 'anonymous'): Promise<false> {
  let dummy = dummyHashes.get(cost);
  if (dummy === undefined) {
    dummy = hashPassword(randomBytes(16).toString('hex'), cost);
    dummyHashes.set(cost, dummy);
  }
  await verifyPassword(password, await dummy, requester);
  return false;
}
