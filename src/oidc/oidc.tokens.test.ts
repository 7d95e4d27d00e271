/**
 * Tokens at their edges, with openid-client over real HTTP (docs/rules.md R50, R54–R57): a code or
 * refresh token raced by two requests, the ID token's grant cap, narrowing to one resource, and a
 * disabled account.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../db/database.js';
import { main } from '../main.js';
import { createOrg, createResource, createUser, grant, signIn } from '../test/fixtures.js';
import { kyselyAdapter } from './adapter.js';
import type { GatehouseClaim } from './claims.js';
import { Browser, type ListeningApp, listeningOrg, registerApp, relyingParty, signInThrough, startAuthorization } from '../test/oidc.js';

let t: ListeningApp;
let orgId: string;
let adminCookie: string;

beforeAll(async () => {
  ({ t, orgId, adminCookie } = await listeningOrg('Harbour Clinics'));
});

afterAll(async () => {
  await t.close();
});

/** Signs `email` in to a fresh app of the org; the relying party and the started request. */
async function signedIn(email: string, params: Record<string, string> = {}) {
  const app = await registerApp(t, adminCookie, orgId);
  const config = await relyingParty(t, app);
  const started = await startAuthorization(config, params);
  const callback = await signInThrough(new Browser(await signIn(t, email)), started);
  const checks = { pkceCodeVerifier: started.verifier, expectedState: started.state, expectedNonce: started.nonce };
  return { config, callback, checks };
}

const gatehouseOf = (claims: Record<string, unknown> | undefined) => claims?.gatehouse as GatehouseClaim;

describe('a code or refresh token raced by two requests', () => {
  it('consumes a stored code or refresh token once when two consumes race', async () => {
    for (const model of ['AuthorizationCode', 'RefreshToken']) {
      const adapter = new (kyselyAdapter(t.ctx.db))(model);
      const id = `race-${model}-${String(Date.now())}`;
      await adapter.upsert(id, { accountId: 'nobody', grantId: `grant-${id}` }, 60);
      const results = await Promise.allSettled([adapter.consume(id), adapter.consume(id)]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((results.find((r) => r.status === 'rejected')?.reason as Error).message).toBe('invalid_grant');
      expect((await adapter.find(id))?.consumed).toBeTypeOf('number');
    }
  });

  it('gives tokens to exactly one of two concurrent exchanges of one code', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const { config, callback, checks } = await signedIn(user.email);
    const results = await Promise.allSettled([oidc.authorizationCodeGrant(config, callback, checks), oidc.authorizationCodeGrant(config, callback, checks)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toMatchObject({ error: 'invalid_grant' });
  });

  it('rotates a refresh token for exactly one of two concurrent refreshes', async () => {
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const { config, callback, checks } = await signedIn(user.email);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const refresh = tokens.refresh_token ?? '';
    const results = await Promise.allSettled([oidc.refreshTokenGrant(config, refresh), oidc.refreshTokenGrant(config, refresh)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toMatchObject({ error: 'invalid_grant' });
  });
});

describe('the ID token grant cap', () => {
  it('puts at most 50 resource grants in the ID token, flagged, and all 60 at userinfo', async () => {
    const user = await createUser(t);
    const resources = [];
    for (let i = 0; i < 60; i += 1) resources.push(await createResource(t, orgId, `Site ${String(i).padStart(2, '0')}`, 'location'));
    await t.ctx.db
      .insertInto('grants')
      .values(resources.map((r) => ({ org_id: orgId, user_id: user.id, role: 'viewer', resource_id: r.id, updated_at: t.clock.now() })))
      .execute();
    const { config, callback, checks } = await signedIn(user.email);
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const inToken = gatehouseOf(tokens.claims());
    expect(inToken.grants).toHaveLength(50);
    expect(inToken.grantsTruncated).toBe(true);
    // The first 50 by name.
    expect(inToken.grants.map((g) => g.name)).toEqual(resources.slice(0, 50).map((r) => r.name));
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    const atUserinfo = gatehouseOf(info);
    expect(atUserinfo.grants).toHaveLength(60);
    expect(atUserinfo.grantsTruncated).toBeUndefined();
  });
});

describe('narrowing to one resource', () => {
  const urn = (id: string) => `urn:gatehouse:resource:${id}`;

  it('carries only that resource’s grant, with the org-wide role, in the ID token, userinfo and after a refresh', async () => {
    const user = await createUser(t);
    const north = await createResource(t, orgId, 'North', 'location');
    const south = await createResource(t, orgId, 'South', 'location');
    await grant(t, user.id, orgId, 'member');
    await grant(t, user.id, orgId, 'viewer', north.id);
    await grant(t, user.id, orgId, 'admin', south.id);
    const { config, callback, checks } = await signedIn(user.email, { resource: urn(north.id) });
    const tokens = await oidc.authorizationCodeGrant(config, callback, checks);
    const inToken = gatehouseOf(tokens.claims());
    expect(inToken.role).toBe('member');
    expect(inToken.grants.map((g) => [g.resourceId, g.role])).toEqual([[north.id, 'viewer']]);
    expect(gatehouseOf(await oidc.fetchUserInfo(config, tokens.access_token, user.id)).grants.map((g) => g.resourceId)).toEqual([north.id]);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');
    expect(gatehouseOf(refreshed.claims()).grants.map((g) => g.resourceId)).toEqual([north.id]);
    expect(gatehouseOf(await oidc.fetchUserInfo(config, refreshed.access_token, user.id)).grants.map((g) => g.resourceId)).toEqual([north.id]);

    // Without the parameter, the same person gets every grant.
    const whole = await signedIn(user.email);
    const all = await oidc.authorizationCodeGrant(whole.config, whole.callback, whole.checks);
    expect(gatehouseOf(all.claims()).grants.map((g) => g.name)).toEqual(['North', 'South']);
  });

  it('lets an org-wide role narrow to a resource it has no grant on: the role applies there, no grants listed', async () => {
    const user = await createUser(t);
    const east = await createResource(t, orgId, 'East', 'location');
    await grant(t, user.id, orgId, 'member');
    const { config, callback, checks } = await signedIn(user.email, { resource: urn(east.id) });
    const claim = gatehouseOf((await oidc.authorizationCodeGrant(config, callback, checks)).claims());
    expect(claim).toMatchObject({ role: 'member', grants: [] });
  });

  it('refuses with invalid_target a resource the person cannot see, one of another org, and a bare id', async () => {
    const user = await createUser(t);
    const mine = await createResource(t, orgId, 'Mine', 'location');
    const notMine = await createResource(t, orgId, 'Not mine', 'location');
    const elsewhere = await createResource(t, (await createOrg(t, 'Elsewhere')).id, 'Far', 'location');
    await grant(t, user.id, orgId, 'viewer', mine.id);
    for (const resource of [urn(notMine.id), urn(elsewhere.id), mine.id, `${urn(mine.id)}x`]) {
      const { callback } = await signedIn(user.email, { resource });
      expect(callback.searchParams.get('error'), resource).toBe('invalid_target');
      expect(callback.searchParams.get('code')).toBeNull();
    }
  });
});

describe('disabling an account', () => {
  it('revokes its app tokens and sessions, refuses sign-in everywhere, and enabling lets it sign in anew', async () => {
    const operator = await createUser(t, { is_instance_admin: true });
    const operatorCookie = await signIn(t, operator.email);
    const user = await createUser(t);
    await grant(t, user.id, orgId, 'member');
    const app = await registerApp(t, adminCookie, orgId);
    const config = await relyingParty(t, app);
    const browser = new Browser(await signIn(t, user.email));
    const started = await startAuthorization(config);
    const tokens = await oidc.authorizationCodeGrant(config, await signInThrough(browser, started), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    const setDisabled = (disabled: boolean, userId = user.id, cookie = operatorCookie) =>
      t.inject({ method: 'PUT', url: `/api/v1/admin/users/${userId}/disabled`, headers: { cookie }, payload: { disabled } });

    const res = await setDisabled(true);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: user.id, status: 'disabled' });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toThrow();
    expect(await t.ctx.db.selectFrom('oidc_payloads').select('id').where('account_id', '=', user.id).execute()).toEqual([]);
    expect(await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    const events = await t.ctx.db.selectFrom('events').select(['type', 'org_id', 'data']).where('user_id', '=', user.id).where('type', 'in', ['user.disabled', 'user.tokens_revoked']).execute();
    expect(events).toHaveLength(2);
    expect(events).toEqual(expect.arrayContaining([
      { type: 'user.disabled', org_id: orgId, data: {} },
      { type: 'user.tokens_revoked', org_id: orgId, data: { reason: 'account_disabled', grants: 1 } },
    ]));

    // The old browser gets no code, and signing in again is refused.
    const again = await startAuthorization(config);
    expect((await browser.follow(again.url.href, 'http://localhost:4000/callback')).location).toBeNull();
    const signInAgain = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: user.email, password: 'correct horse battery' } });
    expect([signInAgain.statusCode, signInAgain.json<{ error: { code: string } }>().error.code]).toEqual([403, 'ACCOUNT_DISABLED']);
    // Disabling twice changes nothing more.
    expect((await setDisabled(true)).statusCode).toBe(200);
    expect(await t.ctx.db.selectFrom('events').select('id').where('user_id', '=', user.id).where('type', '=', 'user.disabled').execute()).toHaveLength(1);

    const enabled = await setDisabled(false);
    expect(enabled.json()).toMatchObject({ status: 'active' });
    const back = await startAuthorization(config);
    const fresh = await oidc.authorizationCodeGrant(config, await signInThrough(new Browser(await signIn(t, user.email)), back), {
      pkceCodeVerifier: back.verifier,
      expectedState: back.state,
      expectedNonce: back.nonce,
    });
    expect(fresh.claims()?.sub).toBe(user.id);
  });

  it('is for instance admins only, not for oneself, not for an invited record or an unknown id; a refusal changes nothing', async () => {
    const operator = await createUser(t, { is_instance_admin: true });
    const operatorCookie = await signIn(t, operator.email);
    const user = await createUser(t);
    const invited = await createUser(t, { status: 'invited', password: null });
    const put = (userId: string, cookie: string, payload: Record<string, unknown> = { disabled: true }) =>
      t.inject({ method: 'PUT', url: `/api/v1/admin/users/${userId}/disabled`, headers: { cookie }, payload });
    const code = (res: Awaited<ReturnType<typeof put>>) => [res.statusCode, res.json<{ error: { code: string } }>().error.code];
    expect(code(await put(user.id, adminCookie))).toEqual([403, 'FORBIDDEN']);
    expect(code(await put(operator.id, operatorCookie))).toEqual([409, 'CANNOT_DISABLE_SELF']);
    expect(code(await put(invited.id, operatorCookie))).toEqual([409, 'USER_NOT_ACTIVE']);
    expect(code(await put('00000000-0000-4000-8000-000000000000', operatorCookie))).toEqual([404, 'USER_NOT_FOUND']);
    expect(code(await put(user.id, operatorCookie, { disabled: 'yes' }))).toEqual([400, 'VALIDATION_FAILED']);
    expect(code(await put('not-a-uuid', operatorCookie))).toEqual([400, 'VALIDATION_FAILED']);
    const statuses = await t.ctx.db.selectFrom('users').select(['id', 'status']).where('id', 'in', [operator.id, user.id, invited.id]).execute();
    expect(new Map(statuses.map((row) => [row.id, row.status]))).toEqual(new Map([[operator.id, 'active'], [user.id, 'active'], [invited.id, 'invited']]));
  });
});

describe('gatehouse user disable|enable', () => {
  it('disables an account by email, revoking its app tokens; an unknown address or a bad one exits 2 and changes nothing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-user-'));
    const saved = { ...process.env };
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const logs = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      delete process.env.DATABASE_URL;
      process.env.DATA_DIR = dir;
      process.env.LOG_LEVEL = 'silent';
      expect(await main(['user', 'disable', 'nobody@example.test'])).toBe(2);
      expect(String(errors.mock.calls[0]?.[0])).toBe('gatehouse: no account nobody@example.test');
      expect(await main(['user', 'disable', 'not an email'])).toBe(2);

      const database = await openDatabase({ databaseUrl: null, dataDir: dir });
      const user = await database.db
        .insertInto('users')
        .values({ email: 'dana@example.test', first_name: 'Dana', last_name: 'Reyes', status: 'active', updated_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      await database.db
        .insertInto('oidc_payloads')
        .values({ model: 'Session', id: 'cli-session', payload: '{}', account_id: user.id, expires_at: new Date(Date.now() + 60_000) })
        .execute();
      await database.close();

      expect(await main(['user', 'disable', 'Dana@Example.test'])).toBe(0);
      expect(String(logs.mock.calls.at(-1)?.[0])).toBe('dana@example.test is disabled.');
      const after = await openDatabase({ databaseUrl: null, dataDir: dir });
      expect((await after.db.selectFrom('users').select('status').where('id', '=', user.id).executeTakeFirstOrThrow()).status).toBe('disabled');
      expect(await after.db.selectFrom('oidc_payloads').select('id').where('account_id', '=', user.id).execute()).toEqual([]);
      await after.close();
    } finally {
      process.env = saved;
      errors.mockRestore();
      logs.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
