/**
 * Signing keys (docs/rules.md R52): rotation keeps old tokens verifying and signs new ones with
 * the new key, a restart keeps the keys, and a SECRET_KEY that cannot decrypt them stops the
 * process (exit 2) instead of minting new ones.
 */
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import { testApp, TEST_SECRET_KEY } from '../test/app.js';
import { createOrg, createUser, grant, signIn } from '../test/fixtures.js';
import { Browser, listeningApp, type ListeningApp, registerApp, relyingParty, signInThrough, startAuthorization } from '../test/oidc.js';
import { rotateSigningKey } from './signing-keys.js';

type Jwk = { kid: string } & Record<string, unknown>;

function header(jwt: string): { kid: string; alg: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid: string; alg: string };
}

/** Whether the JWT's RS256 signature verifies under the key of its kid in `jwks`. */
function verifies(jwt: string, jwks: Jwk[]): boolean {
  const key = jwks.find((candidate) => candidate.kid === header(jwt).kid);
  if (key === undefined) return false;
  const [head, body, signature] = jwt.split('.');
  return verify('RSA-SHA256', Buffer.from(`${head ?? ''}.${body ?? ''}`), createPublicKey({ key, format: 'jwk' }), Buffer.from(signature ?? '', 'base64url'));
}

async function jwksOf(t: ListeningApp): Promise<Jwk[]> {
  return ((await (await fetch(`${t.issuer}/jwks`)).json()) as { keys: Jwk[] }).keys;
}

async function signInOnce(t: ListeningApp, app: { clientId: string; clientSecret?: string }, email: string) {
  const config = await relyingParty(t, app);
  const started = await startAuthorization(config);
  const callback = await signInThrough(new Browser(await signIn(t, email)), started);
  return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce });
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('signing keys', () => {
  it('rotate: old tokens still verify, new tokens use the new key, and a restart keeps both', async () => {
    const first = await listeningApp();
    const port = Number(new URL(first.baseUrl).port);
    const org = await createOrg(first);
    const user = await createUser(first);
    await grant(first, user.id, org.id, 'admin');
    const app = await registerApp(first, await signIn(first, user.email), org.id);
    const before = await signInOnce(first, app, user.email);
    const oldKid = header(before.id_token ?? '').kid;
    expect(header(before.id_token ?? '').alg).toBe('RS256');

    const newKid = await rotateSigningKey(first.ctx.db, TEST_SECRET_KEY, first.clock.now());
    expect(newKid).not.toBe(oldKid);
    await first.app.close();

    // The restart: the same database, the same address.
    const second = await listeningApp({}, { port, database: first.database });
    try {
      const jwks = await jwksOf(second);
      expect(jwks.map((key) => key.kid).sort()).toEqual([oldKid, newKid].sort());
      expect(verifies(before.id_token ?? '', jwks)).toBe(true);
      const after = await signInOnce(second, app, user.email);
      expect(header(after.id_token ?? '').kid).toBe(newKid);
      expect(verifies(after.id_token ?? '', jwks)).toBe(true);
      // The access token issued before the rotation still works at userinfo.
      const config = await relyingParty(second, app);
      expect((await oidc.fetchUserInfo(config, before.access_token, user.id)).sub).toBe(user.id);
      const stored = await second.ctx.db.selectFrom('oidc_signing_keys').select('kid').execute();
      expect(stored).toHaveLength(2);
    } finally {
      await second.close();
    }
  });

  it('a SECRET_KEY that cannot decrypt the stored keys refuses to start and mints nothing', async () => {
    const first = await testApp();
    try {
      await first.app.oidcReady();
      const wrong = await testApp({ SECRET_KEY: 'another-secret-key-0123456789abcdef012345' }, { database: first.database });
      await expect(wrong.app.oidcReady()).rejects.toThrow(/SECRET_KEY.*cannot decrypt/);
      await wrong.close();
      const stored = await first.ctx.db.selectFrom('oidc_signing_keys').select('kid').execute();
      expect(stored).toHaveLength(1);
    } finally {
      await first.close();
    }
  });

  it('gatehouse keys rotate: generates DATA_DIR/secret.key (0600) in embedded mode; a wrong key exits 2 with one line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-keys-'));
    dirs.push(dir);
    const saved = { ...process.env };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      delete process.env.SECRET_KEY;
      delete process.env.DATABASE_URL;
      process.env.DATA_DIR = dir;
      process.env.LOG_LEVEL = 'silent';
      expect(await main(['keys', 'rotate'])).toBe(0);
      expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(await main(['keys', 'rotate'])).toBe(0);

      process.env.SECRET_KEY = 'a-different-secret-key-0123456789abcdef0123';
      expect(await main(['keys', 'rotate'])).toBe(2);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/^gatehouse: SECRET_KEY: .*cannot decrypt/);

      delete process.env.SECRET_KEY;
      process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
      expect(await main(['keys', 'rotate'])).toBe(2);
      expect(String(errors.mock.calls[1]?.[0])).toMatch(/^gatehouse: SECRET_KEY: expected a value when DATABASE_URL is set/);
    } finally {
      process.env = saved;
      errors.mockRestore();
      logs.mockRestore();
    }
  });
});
