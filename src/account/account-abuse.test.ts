/**
 * Abuse cases of the accounts side: sign-up pre-hijacking, password guessing through every
 * password check, sign-in lockouts, answers that tell whether an address has an account, mail
 * flooding and addresses that look alike. Keyed limits are on here (AUTH_RATE_LIMIT > 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR } from '../clock.js';
import { renderEmail } from '../mail/templates/index.js';
import type { EmailContent } from '../mail/outbox.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createUser, ownerWithOrg, signIn, TEST_PASSWORD, uniqueEmail } from '../test/fixtures.js';
import { VERIFY_EMAILS_PER_HOUR } from './account.service.js';
import { canonicalEmail, parseEmail } from '../auth/email.js';
import { FairGate } from '../auth/password.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp({ ALLOW_SIGNUP: 'true', AUTH_RATE_LIMIT: '100000' });
});
afterAll(async () => {
  await t.close();
});

const ATTACKER_PASSWORD = 'attacker chosen password';
const OWNER_PASSWORD = 'the real owner password';

async function emailsTo(to: string, template: string) {
  await t.ctx.afterReply.settled();
  const rows = await t.ctx.db.selectFrom('outbox').select(['payload']).where('kind', '=', 'email').orderBy('created_at').execute();
  return rows.filter((row) => row.payload.to === to && row.payload.template === template);
}

async function links(to: string): Promise<string[]> {
  return (await emailsTo(to, 'verify_email')).map((row) => {
    const data = row.payload.data;
    const link = data !== null && typeof data === 'object' && !Array.isArray(data) ? data.link : undefined;
    return typeof link === 'string' ? (link.split('/').at(-1) ?? '') : '';
  });
}

const signUp = (payload: Record<string, unknown>) => t.inject({ method: 'POST', url: '/api/v1/auth/sign-up', payload });
const verify = (token: string, password?: string) =>
  t.inject({ method: 'POST', url: '/api/v1/auth/verify-email', payload: password === undefined ? { token } : { token, password } });
const signInAs = (email: string, password: string, cookie?: string) =>
  t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password }, ...(cookie === undefined ? {} : { headers: { cookie } }) });

/** Holds the after-reply queue until the returned function is called. */
function holdAfterReply(): () => void {
  const released: { resolve?: () => void } = {};
  const held = new Promise<void>((resolve) => {
    released.resolve = resolve;
  });
  t.ctx.afterReply.run(() => held);
  return () => released.resolve?.();
}

describe('sign-up pre-hijacking', () => {
  it('a password given at sign-up never becomes a credential: the one given with the verification link does', async () => {
    const victim = uniqueEmail('victim');
    expect((await signUp({ email: victim, password: ATTACKER_PASSWORD, firstName: 'Mallory', lastName: '' })).statusCode).toBe(202);
    const [token] = await links(victim);
    const pending = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', victim).executeTakeFirstOrThrow();
    expect(pending.password_hash).toBeNull();

    const verified = await verify(token ?? '', OWNER_PASSWORD);
    expect(verified.statusCode).toBe(200);
    expect(errorCode(await signInAs(victim, ATTACKER_PASSWORD))).toBe('INVALID_CREDENTIALS');
    expect((await signInAs(victim, OWNER_PASSWORD)).statusCode).toBe(200);
  });

  it('a second sign-up for a pending address changes nothing and does not kill the first link', async () => {
    const email = uniqueEmail('pending');
    await signUp({ email, password: OWNER_PASSWORD, firstName: 'Olivia', lastName: 'Owner' });
    await t.ctx.afterReply.settled();
    const before = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    await signUp({ email, password: ATTACKER_PASSWORD, firstName: 'Mallory', lastName: 'M' });
    const [first, second] = await links(email);
    const after = await t.ctx.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(after).toEqual(before);

    expect((await verify(first ?? '', OWNER_PASSWORD)).statusCode).toBe(200);
    // Verifying retires the account's other links: none can set the password of an active account.
    expect(errorCode(await verify(second ?? '', ATTACKER_PASSWORD))).toBe('INVALID_TOKEN');
    expect(errorCode(await signInAs(email, ATTACKER_PASSWORD))).toBe('INVALID_CREDENTIALS');
  });

  it('a verification link cannot set the password of an account that became active another way', async () => {
    const user = await createUser(t, { status: 'invited', password: null });
    await signUp({ email: user.email, password: ATTACKER_PASSWORD, firstName: 'M', lastName: '' });
    const [token] = await links(user.email);
    await t.ctx.db.updateTable('users').set({ status: 'active', password_hash: 'scrypt$kept' }).where('id', '=', user.id).execute();
    expect(errorCode(await verify(token ?? '', ATTACKER_PASSWORD))).toBe('INVALID_TOKEN');
    const after = await t.ctx.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(after.password_hash).toBe('scrypt$kept');
  });

  it('verification requires a password within the policy, and a refused one leaves the link usable', async () => {
    const email = uniqueEmail('verifypw');
    await signUp({ email, password: OWNER_PASSWORD, firstName: 'V', lastName: '' });
    const [token = ''] = await links(email);
    expect([(await verify(token)).statusCode, errorCode(await verify(token))]).toEqual([400, 'VALIDATION_FAILED']);
    expect(errorCode(await verify(token, 'short'))).toBe('PASSWORD_TOO_SHORT');
    expect((await verify(token, OWNER_PASSWORD)).statusCode).toBe(200);
  });
});

describe('verification mail', () => {
  it(`sends at most ${String(VERIFY_EMAILS_PER_HOUR)} verification mails per address per hour`, async () => {
    const email = uniqueEmail('flood');
    for (let i = 0; i < VERIFY_EMAILS_PER_HOUR + 3; i += 1) {
      expect((await signUp({ email, password: ATTACKER_PASSWORD, firstName: 'F', lastName: '' })).statusCode).toBe(202);
    }
    expect(await links(email)).toHaveLength(VERIFY_EMAILS_PER_HOUR);
    t.clock.advance(HOUR + 1000);
    await signUp({ email, password: ATTACKER_PASSWORD, firstName: 'F', lastName: '' });
    expect(await links(email)).toHaveLength(VERIFY_EMAILS_PER_HOUR + 1);
  });

  it('the verification mail carries none of the names chosen at sign-up', async () => {
    const email = uniqueEmail('phish');
    const lure = 'Your bank account is locked, call +1 555 0100';
    await signUp({ email, password: ATTACKER_PASSWORD, firstName: lure, lastName: 'Urgent notice' });
    const [row] = await emailsTo(email, 'verify_email');
    expect(JSON.stringify(row?.payload)).not.toContain('locked');
    const rendered = renderEmail({ template: 'verify_email', data: { link: 'http://gatehouse.test/verify-email/x' } } satisfies EmailContent);
    expect(`${rendered.subject}${rendered.text}${rendered.html}`).not.toMatch(/locked|Urgent/);
  });
});

describe('answers that do not depend on whether an account exists', () => {
  it('password reset answers before it looks the address up, the same way for known and unknown addresses', async () => {
    const known = await createUser(t);
    const unknown = uniqueEmail('nobody');
    const release = holdAfterReply();
    const answers = [
      await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: known.email } }),
      await t.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: unknown } }),
    ];
    expect(answers.map((res) => [res.statusCode, res.body])).toEqual([
      [202, '{"status":"accepted"}'],
      [202, '{"status":"accepted"}'],
    ]);
    // Both answers came while the look-up could not yet have run.
    const early = await t.ctx.db.selectFrom('auth_tokens').select('id').where('user_id', '=', known.id).execute();
    expect(early).toEqual([]);
    release();
    expect(await emailsTo(known.email, 'password_reset')).toHaveLength(1);
    expect(await emailsTo(unknown, 'password_reset')).toHaveLength(0);
  });

  it('sign-up answers before it looks the address up, the same way for new and existing addresses', async () => {
    const existing = await createUser(t);
    const fresh = uniqueEmail('fresh');
    const release = holdAfterReply();
    const answers = [
      await signUp({ email: existing.email, password: ATTACKER_PASSWORD, firstName: 'E', lastName: '' }),
      await signUp({ email: fresh, password: ATTACKER_PASSWORD, firstName: 'F', lastName: '' }),
    ];
    expect(answers.map((res) => [res.statusCode, res.body])).toEqual([
      [202, '{"status":"verification_sent"}'],
      [202, '{"status":"verification_sent"}'],
    ]);
    expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', fresh).execute()).toEqual([]);
    release();
    expect(await links(fresh)).toHaveLength(1);
    expect(await links(existing.email)).toHaveLength(0);
  });
});

describe('password checks are limited', () => {
  it('DELETE /me checks the password at most 5 times a minute per account, then 429 without checking', async () => {
    const user = await createUser(t);
    const cookie = await signIn(t, user.email);
    const wrong = await Promise.all(
      Array.from({ length: 40 }, () => t.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie }, payload: { password: 'wrong password' } })),
    );
    const codes = wrong.map(errorCode);
    expect(codes.filter((code) => code === 'PASSWORD_INCORRECT')).toHaveLength(5);
    expect(codes.filter((code) => code === 'RATE_LIMITED')).toHaveLength(35);
    const right = await t.inject({ method: 'DELETE', url: '/api/v1/me', headers: { cookie }, payload: { password: TEST_PASSWORD } });
    expect([right.statusCode, errorCode(right)]).toEqual([429, 'RATE_LIMITED']);
    expect(await t.ctx.db.selectFrom('users').select('id').where('id', '=', user.id).execute()).toHaveLength(1);
  });

  it('a burst of password hashing from one requester does not starve another requester (fair queue)', async () => {
    const gate = new FairGate(1);
    const finished: string[] = [];
    const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
    const work = (key: string) => gate.run(key, async () => {
      await tick();
      finished.push(key);
    });
    const burst = Array.from({ length: 20 }, () => work('attacker'));
    const victim = work('victim');
    await Promise.all([...burst, victim]);
    expect(finished).toHaveLength(21);
    // One attacker task was running and at most one more was served before the victim's turn.
    expect(finished.indexOf('victim')).toBeLessThanOrEqual(2);
  });
});

describe('sign-in lockout', () => {
  function deviceCookieOf(res: { cookies: { name: string; value: string }[] }): string {
    const cookie = res.cookies.find((c) => c.name === 'gatehouse_device');
    if (cookie === undefined) throw new Error('no device cookie');
    return `gatehouse_device=${cookie.value}`;
  }

  it('failed sign-ins from elsewhere lock out untrusted clients, not the browser that signed in before (device cookie)', async () => {
    const owner = await createUser(t);
    // Every attempt counts, this first sign-in included: 10 a minute per account.
    const device = deviceCookieOf(await signInAs(owner.email, TEST_PASSWORD));
    for (let i = 0; i < 9; i += 1) expect(errorCode(await signInAs(owner.email, 'attacker guess'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await signInAs(owner.email, 'attacker guess'))).toBe('RATE_LIMITED');
    // A client without the cookie is held to the account's limit even with the right password.
    expect(errorCode(await signInAs(owner.email, TEST_PASSWORD))).toBe('RATE_LIMITED');
    const mine = await signInAs(owner.email, TEST_PASSWORD, device);
    expect(mine.statusCode).toBe(200);
  });

  it('a device cookie has its own limit and is worthless when forged, for another account or after a password change', async () => {
    const owner = await createUser(t);
    const other = await createUser(t);
    const device = deviceCookieOf(await signInAs(owner.email, TEST_PASSWORD));
    for (let i = 0; i < 10; i += 1) expect(errorCode(await signInAs(owner.email, 'guess', device))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await signInAs(owner.email, TEST_PASSWORD, device))).toBe('RATE_LIMITED');

    // A cookie for another account counts as untrusted there (that account's own limit).
    for (let i = 0; i < 10; i += 1) expect(errorCode(await signInAs(other.email, 'guess', device))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await signInAs(other.email, TEST_PASSWORD, device))).toBe('RATE_LIMITED');

    // A forged cookie counts as untrusted; the real one still gets in.
    const victim = await createUser(t);
    const real = deviceCookieOf(await signInAs(victim.email, TEST_PASSWORD));
    const forged = `${real.slice(0, -4)}${real.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (let i = 0; i < 9; i += 1) expect(errorCode(await signInAs(victim.email, 'guess', forged))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await signInAs(victim.email, TEST_PASSWORD, forged))).toBe('RATE_LIMITED');
    expect((await signInAs(victim.email, TEST_PASSWORD, real)).statusCode).toBe(200);

    const third = await createUser(t);
    const thirdDevice = deviceCookieOf(await signInAs(third.email, TEST_PASSWORD));
    await t.ctx.db.updateTable('users').set({ password_hash: other.password_hash }).where('id', '=', third.id).execute();
    for (let i = 0; i < 9; i += 1) await signInAs(third.email, 'guess');
    expect(errorCode(await signInAs(third.email, TEST_PASSWORD, thirdDevice))).toBe('RATE_LIMITED');
  });
});

describe('one mailbox, one address', () => {
  it('strips the trailing dot of the domain and refuses invisible or formatting characters at the field', async () => {
    expect(canonicalEmail(' Ada@Example.Test. ')).toBe('ada@example.test');
    expect(parseEmail('ada@example.test.')).toBe('ada@example.test');
    for (const invisible of ['\u200b', '\u200c', '\u200d', '\u2060', '\u00ad', '\u202e', '\u034f', '\ufe0f', '\u3164', '\u180e', '\u0007']) {
      expect(() => parseEmail(`a${invisible}da@example.test`, 'items.0.email')).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', details: [{ path: 'items.0.email', message: 'must not contain invisible or formatting characters' }] }),
      );
    }

    const email = uniqueEmail('dot');
    await signUp({ email: `${email}.`, password: OWNER_PASSWORD, firstName: 'D', lastName: '' });
    await signUp({ email, password: OWNER_PASSWORD, firstName: 'D', lastName: '' });
    await t.ctx.afterReply.settled();
    expect(await t.ctx.db.selectFrom('users').select('email').where('email', 'like', `${email}%`).execute()).toEqual([{ email }]);
    const [token = ''] = await links(email);
    await verify(token, OWNER_PASSWORD);
    expect((await signInAs(`${email.toUpperCase()}.`, OWNER_PASSWORD)).statusCode).toBe(200);

    const hidden = await signUp({ email: email.replace('@', '\u200b@'), password: OWNER_PASSWORD, firstName: 'Z', lastName: '' });
    expect([hidden.statusCode, errorCode(hidden), hidden.json<{ error: { details: unknown } }>().error.details]).toEqual([
      400,
      'VALIDATION_FAILED',
      [{ path: 'email', message: 'must not contain invisible or formatting characters' }],
    ]);
  });

  it('people and invitations refuse an address with an invisible character', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const person = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/people`,
      headers: { cookie },
      payload: { firstName: 'Z', lastName: 'W', email: 'z\u200bw@example.test' },
    });
    expect([person.statusCode, errorCode(person)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await t.ctx.db.selectFrom('people').select('id').where('org_id', '=', org.id).execute()).toEqual([]);
  });
});
