import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createOrg, createResource, createUser, grant, ownerWithOrg, signIn, TEST_PASSWORD, uniqueEmail } from '../test/fixtures.js';
import { ensureSetupLink } from './account.service.js';

let t: TestApp;
let open: TestApp;
beforeAll(async () => {
  t = await testApp();
  open = await testApp({ ALLOW_SIGNUP: 'true' });
});
afterAll(async () => {
  await t.close();
  await open.close();
});

const NEW_PASSWORD = 'a brand new passphrase';

/** The token in the link of the latest queued email of `template` to `to`. */
async function linkToken(app: TestApp, to: string, template: string): Promise<string> {
  // Sign-up and reset mails are queued after the answer.
  await app.ctx.afterReply.settled();
  const rows = await app.ctx.db.selectFrom('outbox').select(['payload', 'created_at']).where('kind', '=', 'email').execute();
  const mine = rows.filter((row) => row.payload.to === to && row.payload.template === template);
  const data = mine.at(-1)?.payload.data;
  const link = data !== null && typeof data === 'object' && !Array.isArray(data) ? data.link : undefined;
  if (typeof link !== 'string') throw new Error(`no ${template} email to ${to}`);
  return link.split('/').at(-1) ?? '';
}

function cookieOf(res: { cookies: { name: string; value: string }[] }): string {
  const cookie = res.cookies.find((c) => c.name === 'gatehouse_session');
  if (cookie === undefined) throw new Error('no session cookie');
  return `gatehouse_session=${cookie.value}`;
}

describe('sign-up and email verification', () => {
  it('GET /auth/sign-up tells anyone whether sign-up is open', async () => {
    const closed = await t.inject({ method: 'GET', url: '/api/v1/auth/sign-up' });
    expect([closed.statusCode, closed.json()]).toEqual([200, { enabled: false }]);
    const opened = await open.inject({ method: 'GET', url: '/api/v1/auth/sign-up' });
    expect([opened.statusCode, opened.json()]).toEqual([200, { enabled: true }]);
  });

  it('is 403 SIGNUP_DISABLED unless ALLOW_SIGNUP=true', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      payload: { email: uniqueEmail(), password: TEST_PASSWORD, firstName: 'Ada', lastName: 'L' },
    });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'SIGNUP_DISABLED']);
  });

  it('queues a verification link (1 hour, single use) that activates the account and signs in', async () => {
    const email = uniqueEmail('signup');
    const res = await open.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      payload: { email: ` ${email.toUpperCase()} `, password: TEST_PASSWORD, firstName: 'Ada', lastName: 'Lovelace' },
    });
    expect(res.statusCode).toBe(202);
    const token = await linkToken(open, email, 'verify_email');
    const user = await open.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(user.status).toBe('invited');
    expect(user.email_verified_at).toBeNull();
    const stored = await open.ctx.db.selectFrom('auth_tokens').select('token_hash').where('user_id', '=', user.id).execute();
    expect(stored.map((s) => s.token_hash)).not.toContain(token);

    // Not active yet: sign-in refuses.
    const early = await open.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password: TEST_PASSWORD } });
    expect(errorCode(early)).toBe('INVALID_CREDENTIALS');

    const verified = await open.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token, password: TEST_PASSWORD } });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ user: { email, status: 'active', firstName: 'Ada' } });
    const me = await open.inject({ url: '/api/v1/me', headers: { cookie: cookieOf(verified) } });
    expect(me.json()).toMatchObject({ user: { email }, memberships: [], people: [] });

    const again = await open.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token, password: TEST_PASSWORD } });
    expect([again.statusCode, errorCode(again)]).toEqual([400, 'INVALID_TOKEN']);
    const types = await open.ctx.db.selectFrom('events').select('type').where('user_id', '=', user.id).orderBy('seq').execute();
    expect(types.map((e) => e.type)).toEqual(['user.registered', 'user.verified']);
  });

  it('rejects an expired verification link', async () => {
    const email = uniqueEmail('late');
    await open.inject({ method: 'POST', url: '/api/v1/auth/sign-up', payload: { email, password: TEST_PASSWORD, firstName: 'L', lastName: 'L' } });
    const token = await linkToken(open, email, 'verify_email');
    open.clock.advance(HOUR + 1000);
    const res = await open.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: { token, password: TEST_PASSWORD } });
    expect(errorCode(res)).toBe('INVALID_TOKEN');
  });

  it('answers 202 for an existing account without touching it or sending mail', async () => {
    const existing = await createUser(open);
    const before = await open.ctx.db.selectFrom('outbox').select('id').execute();
    const res = await open.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      payload: { email: existing.email, password: 'another password!', firstName: 'X', lastName: 'Y' },
    });
    expect(res.statusCode).toBe(202);
    await open.ctx.afterReply.settled();
    expect(await open.ctx.db.selectFrom('outbox').select('id').execute()).toHaveLength(before.length);
    const after = await open.ctx.db.selectFrom('users').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
    expect(after.password_hash).toBe(existing.password_hash);
  });

  it('validates email, password length and fields', async () => {
    const post = (payload: object) => open.inject({ method: 'POST', url: '/api/v1/auth/sign-up', payload });
    const base = { email: uniqueEmail(), password: TEST_PASSWORD, firstName: 'A', lastName: 'B' };
    expect(errorCode(await post({ ...base, email: 'not an email' }))).toBe('INVALID_EMAIL');
    const short = await post({ ...base, password: 'short' });
    expect(errorCode(short)).toBe('PASSWORD_TOO_SHORT');
    // The detail says the rule, so a form can show it beside the field.
    expect(short.json<{ error: { details: unknown } }>().error.details).toEqual([{ path: 'password', message: 'must have at least 10 characters' }]);
    expect(errorCode(await post({ ...base, password: 'x'.repeat(257) }))).toBe('PASSWORD_TOO_LONG');
    expect(errorCode(await post({ ...base, isInstanceAdmin: true }))).toBe('VALIDATION_FAILED');
    expect(errorCode(await post({ email: base.email }))).toBe('VALIDATION_FAILED');
    await open.ctx.afterReply.settled();
    expect(await open.ctx.db.selectFrom('users').select('id').where('email', '=', base.email).execute()).toEqual([]);
  });
});

describe('password reset', () => {
  it('answers 202 for known and unknown emails; the link sets a new password once and ends other sessions', async () => {
    const user = await createUser(t);
    const oldSession = await signIn(t, user.email);
    const unknown = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: uniqueEmail('nobody') } });
    const known = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email.toUpperCase() } });
    expect([unknown.statusCode, known.statusCode]).toEqual([202, 202]);
    expect(unknown.body).toBe(known.body);
    const token = await linkToken(t, user.email, 'password_reset');

    const weak = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token, password: 'short' } });
    expect(errorCode(weak)).toBe('PASSWORD_TOO_SHORT');
    const ok = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token, password: NEW_PASSWORD } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ user: { id: user.id } });
    const reused = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token, password: NEW_PASSWORD } });
    expect(errorCode(reused)).toBe('INVALID_TOKEN');

    const stale = await t.inject({ url: '/api/v1/me', headers: { cookie: oldSession } });
    expect(stale.statusCode).toBe(401);
    await expect(signIn(t, user.email)).rejects.toThrow();
    await signIn(t, user.email, NEW_PASSWORD);
  });

  it('only the newest reset link works, and a link expires after an hour', async () => {
    const user = await createUser(t);
    await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } });
    const first = await linkToken(t, user.email, 'password_reset');
    await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } });
    const second = await linkToken(t, user.email, 'password_reset');
    const old = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token: first, password: NEW_PASSWORD } });
    expect(errorCode(old)).toBe('INVALID_TOKEN');
    t.clock.advance(HOUR + 1);
    const late = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { token: second, password: NEW_PASSWORD } });
    expect(errorCode(late)).toBe('INVALID_TOKEN');
  });

  it('rejects a malformed email with INVALID_EMAIL', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: 'nope' } });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'INVALID_EMAIL']);
  });
});

describe('GET /api/v1/me', () => {
  it('returns the user, memberships with permissions and linked people', async () => {
    const user = await createUser(t);
    const org = await createOrg(t, 'Me Org');
    const place = await createResource(t, org.id, 'Me Place');
    await grant(t, user.id, org.id, 'viewer');
    await grant(t, user.id, org.id, 'admin', place.id);
    await t.ctx.db
      .insertInto('people')
      .values({ org_id: org.id, first_name: 'Me', last_name: 'Myself', email: user.email, user_id: user.id, title: 'Vet', updated_at: t.clock.now() })
      .execute();
    const cookie = await signIn(t, user.email);
    const res = await t.inject({ url: '/api/v1/me', headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ memberships: { resource: unknown; role: string; permissions: string[] }[]; people: unknown[] }>();
    expect(body.memberships).toMatchObject([
      { org: { id: org.id, name: 'Me Org' }, resource: null, role: 'viewer', permissions: ['org:read', 'members:read'] },
      { org: { id: org.id }, resource: { id: place.id, kind: 'location', name: 'Me Place' }, role: 'admin' },
    ]);
    expect(body.people).toMatchObject([{ title: 'Vet', userId: user.id, accessStatus: 'registered', orgId: org.id }]);
    expect(res.body).not.toContain('password');
  });

  it('is 401 when signed out and for API keys', async () => {
    expect((await t.inject({ url: '/api/v1/me' })).statusCode).toBe(401);
  });
});

describe('DELETE /api/v1/me', () => {
  it('deletes the account: grants and sessions go, events keep an anonymised actor', async () => {
    const { org, cookie: ownerCookie } = await ownerWithOrg(t);
    const user = await createUser(t, { first_name: 'Gone', last_name: 'Soon' });
    await grant(t, user.id, org.id, 'admin');
    const cookie = await signIn(t, user.email);
    const person = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/people`, headers: { cookie }, payload: { firstName: 'A', lastName: 'B', email: uniqueEmail() } });
    expect(person.statusCode).toBe(201);
    await t.inject({ method: 'PUT', url: `/api/v1/orgs/${org.id}/members/${(await createUser(t)).id}/grants`, headers: { cookie }, payload: { resourceId: null, role: 'viewer' } });

    const wrong = await t.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie }, payload: { password: 'wrong password' } });
    expect([wrong.statusCode, errorCode(wrong)]).toEqual([403, 'PASSWORD_INCORRECT']);
    const res = await t.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie }, payload: { password: TEST_PASSWORD } });
    expect(res.statusCode).toBe(204);

    expect(await t.ctx.db.selectFrom('users').select('id').where('id', '=', user.id).execute()).toEqual([]);
    expect(await t.ctx.db.selectFrom('grants').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    expect(await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
    const acted = await t.ctx.db.selectFrom('events').selectAll().where('actor_id', '=', user.id).orderBy('seq').execute();
    expect(acted.length).toBeGreaterThan(0);
    expect(new Set(acted.map((e) => e.actor_label))).toEqual(new Set(['Deleted user']));
    expect(acted.map((e) => e.type)).toContain('user.deleted');
    expect(JSON.stringify(acted)).not.toContain('Gone Soon');
    expect((await t.inject({ url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(401);
    // The org carries on.
    expect((await t.inject({ url: `/api/v1/orgs/${org.id}/access`, headers: { cookie: ownerCookie } })).statusCode).toBe(200);
  });

  it('refuses to leave an org without an owner (409 LAST_OWNER)', async () => {
    const { user, cookie } = await ownerWithOrg(t);
    const res = await t.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie }, payload: { password: TEST_PASSWORD } });
    expect([res.statusCode, errorCode(res)]).toEqual([409, 'LAST_OWNER']);
    expect(await t.ctx.db.selectFrom('users').select('id').where('id', '=', user.id).execute()).toHaveLength(1);
  });
});

describe('first-admin setup link', () => {
  it('on an empty database, creates the first instance admin once and signs them in', async () => {
    const fresh = await testApp();
    try {
      const link = await ensureSetupLink(fresh.ctx);
      expect(link).toMatch(/^http:\/\/gatehouse\.test\/setup\/[A-Za-z0-9_-]{43}$/);
      const token = link?.split('/').at(-1) ?? '';
      const body = { token, email: 'First@Example.test', password: TEST_PASSWORD, firstName: 'First', lastName: 'Admin' };
      const bad = await fresh.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: { ...body, token: 'wrong' } });
      expect(errorCode(bad)).toBe('INVALID_TOKEN');
      const res = await fresh.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: body });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ user: { email: 'first@example.test', status: 'active', isInstanceAdmin: true } });
      const org = await fresh.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie: cookieOf(res) }, payload: { name: 'First Org' } });
      expect(org.statusCode).toBe(201);
      const again = await fresh.inject({ method: 'POST', url: '/api/v1/auth/setup', payload: { ...body, email: 'second@example.test' } });
      expect([again.statusCode, errorCode(again)]).toEqual([409, 'SETUP_ALREADY_DONE']);
      expect(await ensureSetupLink(fresh.ctx)).toBeNull();
    } finally {
      await fresh.close();
    }
  });
});
