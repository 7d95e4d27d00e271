/**
 * SECRET_KEY and what is derived from it (docs/rules.md R52): the key that encrypts the
 * provider's private signing keys at rest (AES-256-GCM) and the keys that sign its cookies, each
 * derived with HKDF-SHA-256 under its own label. Without SECRET_KEY, embedded mode generates
 * DATA_DIR/secret.key (mode 0600) once; a server database refuses to start, since every
 * instance sharing it must share the key.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, ConfigError } from '../config.js';

export const SECRET_KEY_FILE = 'secret.key';

/** The configured SECRET_KEY, or the embedded mode's generated one. */
export function resolveSecretKey(config: Config): string {
  if (config.secretKey !== null) return config.secretKey;
  if (config.databaseUrl !== null) {
    throw new ConfigError('SECRET_KEY', 'a value when DATABASE_URL is set (every instance sharing the database must use the same one)');
  }
  const file = path.join(config.dataDir, SECRET_KEY_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const generated = randomBytes(48).toString('base64url');
  // 'wx': two processes starting at once cannot both write; the loser reads the winner's.
  try {
    writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    return generated;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(file, 'utf8').trim();
  }
}

export function deriveKey(secret: string, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'gatehouse', label, 32));
}

/** AES-256-GCM: `iv.tag.ciphertext`, each base64url. */
export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

/** The plaintext, or null when `key` did not encrypt `sealed` (or it was altered). */
export function decrypt(key: Buffer, sealed: string): string | null {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (iv === undefined || tag === undefined || body === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
