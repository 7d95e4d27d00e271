/**
 * docs/rules.md R15 under real concurrency. On PostgreSQL the requests run in parallel on a pool
 * of connections; on PGlite (one connection) they are serialised, which still checks that the
 * losers get the right answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createUser, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import { invitationRow, inviteOk, markSent } from '../test/invitations.js';
import { sweepExpiredBatch } from './invitation.workers.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const post = (path: string, payload: object, cookie?: string) =>
  t.inject({ method: 'POST', url: `/api/v1/invitations/${path}`, payload, ...(cookie === undefined ? {} : { headers: { cookie } }) });

describe('races', () => {
  it('20 concurrent accepts of one token: exactly one 200, the rest 409 with the current state', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const invitee = await createUser(t);
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member' });
    const session = await signIn(t, invitee.email);
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('accept', { token }, session)));
    const statuses = answers.map((res) => res.statusCode).sort();
    expect(statuses).toEqual([200, ...Array<number>(19).fill(409)]);
    for (const res of answers.filter((r) => r.statusCode === 409)) {
      expect(errorCode(res)).toBe('INVITATION_ALREADY_ACCEPTED');
      expect(res.json<{ error: { state: { status: string } } }>().error.state.status).toBe('accepted');
    }
    expect(await t.ctx.db.selectFrom('grants').select('id').where('user_id', '=', invitee.id).execute()).toHaveLength(1);
    const accepted = await t.ctx.db.selectFrom('events').select('id').where('invitation_id', '=', invitation.id).where('type', '=', 'invitation.accepted').execute();
    expect(accepted).toHaveLength(1);
  });

  it('two invitations to one email registered concurrently give one user', async () => {
    const a = await ownerWithOrg(t, 'A');
    const b = await ownerWithOrg(t, 'B');
    const email = uniqueEmail('race');
    const fromA = await inviteOk(t, a.cookie, a.org.id, { email, role: 'member' });
    const fromB = await inviteOk(t, b.cookie, b.org.id, { email, role: 'member' });
    const body = { firstName: 'R', lastName: 'Ace', password: 'long enough pw', acceptTerms: true };
    const answers = await Promise.all([post('register', { token: fromA.token, ...body }), post('register', { token: fromB.token, ...body })]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(answers.map(errorCode).filter((c) => c !== undefined)).toEqual(['ACCOUNT_EXISTS']);
    expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(1);
    const statuses = [(await invitationRow(t, fromA.invitation.id))?.status, (await invitationRow(t, fromB.invitation.id))?.status].sort();
    expect(statuses).toEqual(['accepted', 'pending']);
  });

  it('two user-first invitations registered concurrently activate the one invited user once', async () => {
    const a = await ownerWithOrg(t, 'A');
    const b = await ownerWithOrg(t, 'B');
    const email = uniqueEmail('race');
    const fromA = await inviteOk(t, a.cookie, a.org.id, { email, role: 'member', createUser: true });
    const fromB = await inviteOk(t, b.cookie, b.org.id, { email, role: 'member', createUser: true });
    const body = { firstName: 'R', lastName: 'Ace', password: 'long enough pw', acceptTerms: true };
    const answers = await Promise.all([post('register', { token: fromA.token, ...body }), post('register', { token: fromB.token, ...body })]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(await t.ctx.db.selectFrom('users').select(['id', 'status']).where('email', '=', email).execute()).toEqual([
      { id: fromA.invitation.userId, status: 'active' },
    ]);
  });

  it('resend racing accept leaves a consistent state, whichever wins', async () => {
    const { org, user } = await ownerWithOrg(t);
    const outcomes = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const cookie = await signIn(t, user.email);
      const invitee = await createUser(t);
      const { invitation, token } = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member' });
      await markSent(t, invitation.id);
      t.clock.advance(HOUR);
      const session = await signIn(t, invitee.email);
      const [resend, accept] = await Promise.all([
        t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations/${invitation.id}/resend`, headers: { cookie } }),
        post('accept', { token }, session),
      ]);
      const row = await invitationRow(t, invitation.id);
      const grants = await t.ctx.db.selectFrom('grants').select('id').where('user_id', '=', invitee.id).execute();
      if (accept.statusCode === 200) {
        expect([resend.statusCode, errorCode(resend)]).toEqual([409, 'INVITATION_NOT_PENDING']);
        expect(row).toMatchObject({ status: 'accepted', resend_count: 0 });
        expect(grants).toHaveLength(1);
        outcomes.add('accept first');
      } else {
        expect(resend.statusCode).toBe(200);
        expect([accept.statusCode, errorCode(accept)]).toEqual([404, 'INVITATION_NOT_FOUND']);
        expect(row).toMatchObject({ status: 'pending', resend_count: 1 });
        expect(grants).toHaveLength(0);
        outcomes.add('resend first');
      }
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });

  it('concurrent creates of one email and scope make one invitation and one email', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const email = uniqueEmail('dup');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations`, headers: { cookie }, payload: { email, role: 'member' } })),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.json<{ id: string }>().id)).size).toBe(1);
    expect(await t.ctx.db.selectFrom('outbox').select('id').where('org_id', '=', org.id).where('kind', '=', 'email').execute()).toHaveLength(1);
  });

  it('two sweeps at once expire each invitation exactly once (FOR UPDATE SKIP LOCKED)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await inviteOk(t, cookie, org.id, { email: uniqueEmail('sweep'), role: 'member' })).invitation.id);
    t.clock.advance(31 * DAY);
    const counts: number[] = [];
    for (let round = 0; round === 0 || counts.slice(-4).some((n) => n > 0); round++) {
      counts.push(...(await Promise.all([1, 2, 3, 4].map(() => sweepExpiredBatch(t.ctx, 10)))));
    }
    // (Earlier tests' live invitations are overdue too: the sweeps take them as well.)
    const all = await t.ctx.db.selectFrom('events').select('invitation_id').where('type', '=', 'invitation.expired').execute();
    expect(counts.reduce((a, b) => a + b, 0)).toBe(all.length);
    expect(new Set(all.map((e) => e.invitation_id)).size).toBe(all.length);
    expect(all.filter((e) => e.invitation_id !== null && ids.includes(e.invitation_id))).toHaveLength(30);
    expect(await sweepExpiredBatch(t.ctx, 10)).toBe(0);
  });
});
