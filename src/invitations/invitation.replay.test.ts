/**
 * docs/rules.md R38: replaying an invitation's events reproduces its row. fast-check drives random
 * sequences of operations through the real app (and the workers, and a stand-in for the mail
 * dispatcher), then replay() over the invitation's events must equal the row's state.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { testApp, type TestApp } from '../test/app.js';
import { createOrg, createResource, createUser, grant, signIn, uniqueEmail } from '../test/fixtures.js';
import { invitationRow, markFailed, markSent, queuedEmails } from '../test/invitations.js';
import { recordOpen } from '../mail/tracking.service.js';
import { replay, stateOf } from './invitation.replay.js';
import { sendDueRemindersBatch, sweepExpiredBatch } from './invitation.workers.js';

let t: TestApp;
let orgId: string;
let resourceId: string;
let ownerEmail: string;
beforeAll(async () => {
  t = await testApp();
  const org = await createOrg(t, 'Replay Clinic');
  orgId = org.id;
  await t.ctx.db.updateTable('orgs').set({ reminder_days_before_expiry: 2 }).where('id', '=', orgId).execute();
  resourceId = (await createResource(t, orgId, 'Annex')).id;
  const owner = await createUser(t);
  ownerEmail = owner.email;
  await grant(t, owner.id, orgId, 'owner');
});
afterAll(async () => {
  await t.close();
});

type Op =
  | { op: 'advance'; ms: number }
  | { op: 'sent' | 'failed' | 'open' | 'resend' | 'revoke' | 'click' | 'accept' | 'decline' | 'sweep' | 'remind' | 'renew' | 'visit' }
  | { op: 'edit'; role: 'member' | 'admin' | null; message: string | null | undefined; days: number | null; resource: boolean | null }
  | { op: 'correct' };

const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(30_000, 2 * MINUTE, HOUR, 3 * DAY, 20 * DAY, 40 * DAY) }),
  fc.constantFrom(
    ...(['sent', 'failed', 'open', 'resend', 'revoke', 'click', 'accept', 'decline', 'sweep', 'remind', 'renew', 'visit'] as const).map((op) => ({ op })),
  ),
  fc.record({
    op: fc.constant('edit' as const),
    role: fc.constantFrom('member' as const, 'admin' as const, null),
    message: fc.constantFrom('hello', 'see you <soon>', null, undefined),
    days: fc.constantFrom(1, 5, 60, null),
    resource: fc.constantFrom(true, false, null),
  }),
  fc.constant({ op: 'correct' as const }),
);

async function owner() {
  return { cookie: await signIn(t, ownerEmail) };
}

/** Runs a sequence of operations on one fresh invitation; returns its id. */
async function run(sequence: readonly Op[]): Promise<string> {
  const emails = [uniqueEmail('replay-a'), uniqueEmail('replay-b')];
  for (const email of emails) await createUser(t, { email });
  const created = await t.inject({
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/invitations`,
    headers: await owner(),
    payload: { email: emails[0], role: 'member' },
  });
  expect(created.statusCode).toBe(201);
  const id = created.json<{ id: string }>().id;
  const latestToken = async () => {
    const mails = (await queuedEmails(t, id)).filter((m) => !m.parked && m.payload.template === 'invitation');
    const link = mails.at(-1)?.payload.data.link;
    return typeof link === 'string' ? (link.split('/invite/')[1] ?? '') : '';
  };
  let token = await latestToken();
  const url = `/api/v1/orgs/${orgId}/invitations/${id}`;
  for (const step of sequence) {
    switch (step.op) {
      case 'advance':
        t.clock.advance(step.ms);
        break;
      case 'sent':
        await markSent(t, id);
        break;
      case 'failed':
        await markFailed(t, id);
        break;
      case 'open': {
        // The tracking pixel (mail/tracking.service.ts).
        const row = await invitationRow(t, id);
        if (row !== undefined) await recordOpen(t.ctx, row.tracking_id);
        break;
      }
      case 'resend': {
        const res = await t.inject({ method: 'POST', url: `${url}/resend`, headers: await owner() });
        if (res.statusCode === 200) token = await latestToken();
        break;
      }
      case 'revoke':
        await t.inject({ method: 'POST', url: `${url}/revoke`, headers: await owner() });
        break;
      case 'edit': {
        const payload: Record<string, unknown> = {};
        if (step.role !== null) payload.role = step.role;
        if (step.message !== undefined) payload.message = step.message;
        if (step.days !== null) payload.expiresAt = new Date(t.clock.now().getTime() + step.days * DAY).toISOString();
        if (step.resource !== null) payload.resourceId = step.resource ? resourceId : null;
        if (Object.keys(payload).length > 0) await t.inject({ method: 'PATCH', url, headers: await owner(), payload });
        break;
      }
      case 'correct': {
        const row = await invitationRow(t, id);
        const other = emails.find((email) => email !== row?.email) ?? '';
        const res = await t.inject({ method: 'PATCH', url, headers: await owner(), payload: { email: other } });
        if (res.statusCode === 200) token = await latestToken();
        break;
      }
      case 'click':
        await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } });
        break;
      case 'visit':
        await t.inject({ method: 'GET', url: `/invite/${token}` });
        break;
      case 'accept': {
        const row = await invitationRow(t, id);
        const cookie = await signIn(t, row?.email ?? '');
        await t.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token }, headers: { cookie } });
        break;
      }
      case 'decline':
        await t.inject({ method: 'POST', url: '/api/v1/invitations/decline', payload: { token } });
        break;
      case 'renew':
        await t.inject({ method: 'POST', url: '/api/v1/invitations/renew', payload: { token } });
        break;
      case 'sweep':
        await sweepExpiredBatch(t.ctx);
        break;
      case 'remind':
        await sendDueRemindersBatch(t.ctx);
        break;
    }
  }
  return id;
}

describe('replay(events) reproduces the row', () => {
  it('for random sequences of operations', async () => {
    const reached = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(ops, { minLength: 1, maxLength: 14 }), async (sequence) => {
        const id = await run(sequence);
        const row = await invitationRow(t, id);
        if (row === undefined) throw new Error('invitation vanished');
        const events = await t.ctx.db.selectFrom('events').selectAll().where('invitation_id', '=', id).orderBy('seq').execute();
        const replayed = replay(
          id,
          events.map((e) => ({ type: e.type, data: e.data, occurredAt: e.occurred_at })),
        );
        expect(replayed).toEqual(stateOf(row));
        reached.add(row.status);
      }),
      { numRuns: 50 },
    );
    // The sequences reach most of the state machine (not only `pending`).
    expect(reached.size).toBeGreaterThanOrEqual(5);
  }, 180_000);

  it('for a deleted invitation: null', async () => {
    const id = await run([{ op: 'sent' }]);
    await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${orgId}/invitations/${id}`, headers: await owner() });
    const events = await t.ctx.db.selectFrom('events').selectAll().where('invitation_id', '=', id).orderBy('seq').execute();
    expect(replay(id, events.map((e) => ({ type: e.type, data: e.data, occurredAt: e.occurred_at })))).toBeNull();
  });
});
