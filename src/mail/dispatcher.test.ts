import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { workerFactories } from '../workers.js';
import { createUser, signIn } from '../test/fixtures.js';
import { defaultBackoffMs } from '../outbox/outbox.dispatcher.js';
import { dispatchOnce } from './dispatcher.js';
import { createMailTransport, mailDispatcherWorker, startDispatcher } from './dispatcher.worker.js';
import { mailboxTransport } from './mailbox.transport.js';
import { enqueueEmail } from './outbox.js';
import { insertInvitation, insertOrg, invitationEmailData, queuedInvitation } from './test-fixtures.js';
import { DeliveryError, type MailTransport, type OutgoingEmail } from './transport.js';

let t: TestApp;
let adminCookie: string;
beforeAll(async () => {
  t = await testApp();
  const admin = await createUser(t, { is_instance_admin: true });
  adminCookie = await signIn(t, admin.email);
});
afterAll(async () => {
  await t.close();
});

/** Drains every due row (tests move the clock themselves). */
async function drain(transport: MailTransport) {
  let total = 0;
  for (;;) {
    const round = await dispatchOnce(t.ctx, transport, { random: () => 0.5 });
    total += round.claimed;
    if (round.claimed === 0) return total;
  }
}

async function outboxRow(messageId: string) {
  return t.ctx.db.selectFrom('outbox').selectAll().where('message_id', '=', messageId).executeTakeFirstOrThrow();
}

async function invitationRow(id: string) {
  return t.ctx.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function eventTypes(invitationId: string) {
  const rows = await t.ctx.db.selectFrom('events').select('type').where('invitation_id', '=', invitationId).orderBy('seq').execute();
  return rows.map((row) => row.type);
}

/** A transport that fails every send the same way, counting attempts. */
function failing(error: () => Error): MailTransport & { attempts: number } {
  return {
    name: 'failing',
    attempts: 0,
    async send() {
      this.attempts += 1;
      throw error();
    },
    async close() {
      // nothing pooled
    },
  };
}

describe('dispatcher with the dev mailbox', () => {
  it('sends a queued invitation once, moves it pending -> sent with an event, and scrubs the link', async () => {
    const org = await insertOrg(t.ctx.db, t.clock.now(), { senderName: 'Acme HR', replyTo: 'hr@acme.test' });
    const { invitation, messageId } = await queuedInvitation(t.ctx.db, t.clock.now(), { org });
    const transport = mailboxTransport(t.ctx.db, t.clock);
    expect(await drain(transport)).toBe(1);
    expect(await drain(transport)).toBe(0);

    const mail = await t.ctx.db.selectFrom('mailbox').selectAll().where('message_id', '=', messageId).execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]?.to).toBe(invitation.email);
    expect(mail[0]?.text).toContain(`http://gatehouse.test/invite/${invitation.token}`);

    const row = await outboxRow(messageId);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, lease_until: null, last_error: null });
    expect(row.sent_at?.toISOString()).toBe(t.clock.now().toISOString());
    expect(row.payload).toEqual({ to: invitation.email, template: 'invitation', messageId, scrubbed: true });
    expect(JSON.stringify(row.payload)).not.toContain(invitation.token);

    const inv = await invitationRow(invitation.id);
    expect(inv.status).toBe('sent');
    expect(inv.sent_at?.toISOString()).toBe(t.clock.now().toISOString());
    expect(inv.last_sent_at?.toISOString()).toBe(t.clock.now().toISOString());
    expect(await eventTypes(invitation.id)).toEqual(['invitation.sent']);
  });

  it('records a round of invitation emails together: each pending invitation sent once, with one event naming its first email', async () => {
    const org = await insertOrg(t.ctx.db, t.clock.now());
    const queued = await Promise.all(Array.from({ length: 30 }, () => queuedInvitation(t.ctx.db, t.clock.now(), { org })));
    const [twice] = queued;
    if (twice === undefined) throw new Error('no invitation');
    const second = await enqueueEmail(
      t.ctx.db,
      { to: twice.invitation.email, orgId: org.id, invitationId: twice.invitation.id, template: 'invitation', data: invitationEmailData(twice.invitation, { kind: 'resend' }) },
      t.clock.now(),
    );
    expect(await drain(mailboxTransport(t.ctx.db, t.clock))).toBe(31);
    // The dev mailbox stores concurrent sends together: each message once, with its own outbox row.
    const stored = await t.ctx.db
      .selectFrom('mailbox')
      .select(['message_id', 'to'])
      .where('message_id', 'in', [...queued.map((q) => q.messageId), second])
      .execute();
    expect(stored).toHaveLength(31);
    expect(new Set(stored.map((m) => m.message_id)).size).toBe(31);
    for (const { invitation, messageId } of queued) {
      expect((await invitationRow(invitation.id)).status).toBe('sent');
      const events = await t.ctx.db.selectFrom('events').select(['type', 'data']).where('invitation_id', '=', invitation.id).execute();
      expect(events).toHaveLength(1);
      expect(events[0]?.type).toBe('invitation.sent');
      if (invitation.id !== twice.invitation.id) expect(events[0]?.data).toEqual({ messageId, kind: 'invitation' });
      expect((await outboxRow(messageId)).status).toBe('sent');
    }
    expect((await outboxRow(second)).status).toBe('sent');
    expect([twice.messageId, second]).toContain((await t.ctx.db.selectFrom('events').select('data').where('invitation_id', '=', twice.invitation.id).executeTakeFirstOrThrow()).data.messageId);
  });

  it('leaves a non-pending invitation alone on send, and does not send for a revoked one', async () => {
    const org = await insertOrg(t.ctx.db, t.clock.now());
    const opened = await insertInvitation(t.ctx.db, t.clock.now(), { orgId: org.id, status: 'opened' });
    const revoked = await insertInvitation(t.ctx.db, t.clock.now(), { orgId: org.id, status: 'revoked' });
    const reminder = await enqueueEmail(
      t.ctx.db,
      { to: opened.email, orgId: org.id, invitationId: opened.id, template: 'invitation', data: invitationEmailData(opened, { kind: 'reminder' }) },
      t.clock.now(),
    );
    const stale = await enqueueEmail(
      t.ctx.db,
      { to: revoked.email, orgId: org.id, invitationId: revoked.id, template: 'invitation', data: invitationEmailData(revoked) },
      t.clock.now(),
    );
    await drain(mailboxTransport(t.ctx.db, t.clock));
    expect((await outboxRow(reminder)).status).toBe('sent');
    expect((await invitationRow(opened.id)).status).toBe('opened');
    expect(await eventTypes(opened.id)).toEqual([]);
    const skipped = await outboxRow(stale);
    expect(skipped.status).toBe('failed');
    expect(skipped.last_error).toContain('revoked');
    expect((await t.ctx.db.selectFrom('mailbox').select('id').where('message_id', '=', stale).execute())).toHaveLength(0);
    expect((await invitationRow(revoked.id)).status).toBe('revoked');
  });

  it('uses the org sender name and reply-to with the MAIL_FROM address', async () => {
    const seen: OutgoingEmail[] = [];
    const capture: MailTransport = {
      name: 'capture',
      async send(email) {
        seen.push(email);
        return { responseStatus: 250 };
      },
      async close() {
        // nothing pooled
      },
    };
    await queuedInvitation(t.ctx.db, t.clock.now(), { senderName: 'Acme HR', replyTo: 'hr@acme.test' });
    await queuedInvitation(t.ctx.db, t.clock.now());
    await drain(capture);
    // Sends run concurrently: compare without relying on their order.
    const byName = [...seen].sort((a, b) => a.from.name.localeCompare(b.from.name));
    expect(byName.map((email) => [email.from, email.replyTo])).toEqual([
      [{ name: 'Acme HR', address: 'no-reply@localhost' }, 'hr@acme.test'],
      [{ name: 'Gatehouse', address: 'no-reply@localhost' }, null],
    ]);
  });

  it('retries transient failures with growing backoff, then fails the message and the invitation at the cap', async () => {
    const { invitation, messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    const transport = failing(() => new DeliveryError('451 try later', false, 451));
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 8; attempt += 1) {
      expect(await drain(transport)).toBe(1);
      const row = await outboxRow(messageId);
      expect(row.attempts).toBe(attempt);
      if (attempt < 8) {
        expect(row.status).toBe('pending');
        expect(row.response_status).toBe(451);
        const wait = (row.next_attempt_at.getTime() - t.clock.now().getTime());
        waits.push(wait);
        // Not due before its time.
        t.clock.advance(wait - 1000);
        expect(await drain(transport)).toBe(0);
        t.clock.advance(1000);
      }
    }
    expect(transport.attempts).toBe(8);
    expect(waits).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => defaultBackoffMs(n)));
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20 * HOUR);
    expect(total).toBeLessThan(26 * HOUR);

    const row = await outboxRow(messageId);
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('451');
    expect(row.payload).toEqual({ to: invitation.email, template: 'invitation', messageId, scrubbed: true });
    const inv = await invitationRow(invitation.id);
    expect(inv.status).toBe('failed');
    expect(inv.failed_at?.toISOString()).toBe(t.clock.now().toISOString());
    expect(await eventTypes(invitation.id)).toEqual(['invitation.delivery_failed']);
    t.clock.advance(2 * DAY);
    expect(await drain(transport)).toBe(0);
  });

  it('applies jitter of at most ±20% to each wait', async () => {
    const { messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    const transport = failing(() => new Error('connection refused'));
    await dispatchOnce(t.ctx, transport, { random: () => 0 });
    const low = (await outboxRow(messageId)).next_attempt_at.getTime() - t.clock.now().getTime();
    expect(low).toBe(Math.round(defaultBackoffMs(1) * 0.8));
    t.clock.advance(low);
    await dispatchOnce(t.ctx, transport, { random: () => 0.999999 });
    const high = (await outboxRow(messageId)).next_attempt_at.getTime() - t.clock.now().getTime();
    expect(high).toBe(Math.round(defaultBackoffMs(2) * (0.8 + 0.4 * 0.999999)));
    await t.ctx.db.deleteFrom('outbox').where('message_id', '=', messageId).execute();
  });

  it('fails a permanent rejection at once', async () => {
    const { invitation, messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    const transport = failing(() => Object.assign(new Error('550 no such user'), { responseCode: 550, command: 'RCPT TO', code: 'EENVELOPE' }));
    expect(await drain(transport)).toBe(1);
    expect(transport.attempts).toBe(1);
    expect(await outboxRow(messageId)).toMatchObject({ status: 'failed', attempts: 1, response_status: 550 });
    expect((await invitationRow(invitation.id)).status).toBe('failed');
    expect(await eventTypes(invitation.id)).toEqual(['invitation.delivery_failed']);
  });

  it('retries a 5xx to AUTH (our configuration, not the message)', async () => {
    const { messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    const transport = failing(() => Object.assign(new Error('535 bad credentials'), { responseCode: 535, command: 'AUTH PLAIN', code: 'EAUTH' }));
    await drain(transport);
    expect(await outboxRow(messageId)).toMatchObject({ status: 'pending', attempts: 1 });
    await t.ctx.db.deleteFrom('outbox').where('message_id', '=', messageId).execute();
  });

  it('leases a claimed row: not claimed again while the lease runs, due again when it passes', async () => {
    const { messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    let release: () => void = () => undefined;
    const hanging: MailTransport = {
      name: 'hanging',
      send: () => new Promise((resolve) => { release = () => { resolve({ responseStatus: 250 }); }; }),
      async close() {
        // nothing pooled
      },
    };
    const first = dispatchOnce(t.ctx, hanging, { leaseMs: 5 * MINUTE });
    await expect.poll(async () => (await outboxRow(messageId)).lease_until).not.toBeNull();
    expect((await dispatchOnce(t.ctx, mailboxTransport(t.ctx.db, t.clock))).claimed).toBe(0);
    t.clock.advance(5 * MINUTE);
    // The first claimer is presumed dead; a second one takes the row and records it.
    expect((await dispatchOnce(t.ctx, mailboxTransport(t.ctx.db, t.clock))).sent).toBe(1);
    // The first claimer wakes up late: its result is fenced off and changes nothing.
    release();
    expect(await first).toMatchObject({ claimed: 1, sent: 0 });
    expect(await outboxRow(messageId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('gives up on a row whose last allowed attempt was interrupted (claimed again after a crash)', async () => {
    const { invitation, messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    await t.ctx.db.updateTable('outbox').set({ attempts: 8 }).where('message_id', '=', messageId).execute();
    const transport = failing(() => new Error('must not be called'));
    expect(await drain(transport)).toBe(1);
    expect(transport.attempts).toBe(0);
    expect(await outboxRow(messageId)).toMatchObject({ status: 'failed', attempts: 9 });
    expect((await invitationRow(invitation.id)).status).toBe('failed');
  });

  it('changes no invitation for other emails that carry its id (renewal request to the inviter)', async () => {
    const org = await insertOrg(t.ctx.db, t.clock.now());
    const inv = await insertInvitation(t.ctx.db, t.clock.now(), { orgId: org.id, status: 'pending' });
    await enqueueEmail(
      t.ctx.db,
      { to: 'inviter@example.test', orgId: org.id, invitationId: inv.id, template: 'renewal_request', data: { orgName: 'Acme', inviteeEmail: inv.email, inviterName: 'Ada', consoleLink: 'http://gatehouse.test/x' } },
      t.clock.now(),
    );
    await drain(mailboxTransport(t.ctx.db, t.clock));
    expect((await invitationRow(inv.id)).status).toBe('pending');
    expect(await eventTypes(inv.id)).toEqual([]);
  });

  it('sends nothing for a rolled-back transaction', async () => {
    const before = await t.ctx.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await enqueueEmail(trx, { to: 'ghost@example.test', orgId: null, template: 'verify_email', data: { link: 'http://gatehouse.test/verify-email/x' } }, t.clock.now());
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await drain(mailboxTransport(t.ctx.db, t.clock))).toBe(0);
    const after = await t.ctx.db.selectFrom('outbox').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    expect(await t.ctx.db.selectFrom('mailbox').select('id').where('to', '=', 'ghost@example.test').execute()).toHaveLength(0);
  });

  it('reports outbox depth and delivery outcomes in /metrics', async () => {
    await enqueueEmail(t.ctx.db, { to: 'depth@example.test', orgId: null, template: 'verify_email', data: { link: 'http://gatehouse.test/verify-email/d' } }, t.clock.now());
    const before = await t.inject({ url: '/metrics' });
    expect(before.body).toMatch(/gatehouse_outbox_depth\{kind="email"\} 1\b/);
    expect(before.body).toMatch(/gatehouse_outbox_depth\{kind="webhook"\} 0\b/);
    await drain(mailboxTransport(t.ctx.db, t.clock));
    const after = await t.inject({ url: '/metrics' });
    expect(after.body).toMatch(/gatehouse_outbox_depth\{kind="email"\} 0\b/);
    expect(after.body).toMatch(/gatehouse_outbox_deliveries_total\{kind="email",outcome="sent"\} \d+/);
    expect(after.body).toMatch(/gatehouse_outbox_deliveries_total\{kind="email",outcome="failed"\} \d+/);
    expect(after.body).toMatch(/gatehouse_outbox_deliveries_total\{kind="email",outcome="retried"\} \d+/);
  });
});

describe('the dispatcher worker', () => {
  it('is what `gatehouse serve` runs, uses the dev mailbox without SMTP_URL, and wakes up when nudged', async () => {
    expect(createMailTransport(t.ctx).name).toBe('dev-mailbox');
    const old = new Date(t.clock.now().getTime() - 31 * DAY);
    const stale = await t.ctx.db
      .insertInto('outbox')
      .values([
        { kind: 'email', org_id: null, message_id: '<old-sent@gatehouse>', payload: '{}', status: 'sent', next_attempt_at: old, created_at: old },
        { kind: 'email', org_id: null, message_id: '<old-pending@gatehouse>', payload: '{}', status: 'pending', next_attempt_at: new Date(t.clock.now().getTime() + DAY), created_at: old },
      ])
      .returning('message_id')
      .execute();
    expect(stale).toHaveLength(2);
    // A poll interval far longer than the test: only the nudge can deliver in time.
    const worker = startDispatcher(t.ctx, mailboxTransport(t.ctx.db, t.clock), { pollMs: 60 * MINUTE });
    try {
      // Let the first round (which finds nothing) finish and the worker fall asleep.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const messageId = await enqueueEmail(t.ctx.db, { to: 'nudge@example.test', orgId: null, template: 'verify_email', data: { link: 'http://gatehouse.test/verify-email/n' } }, t.clock.now());
      t.ctx.outbox.nudge();
      await expect.poll(async () => (await outboxRow(messageId)).status, { timeout: 5000 }).toBe('sent');
    } finally {
      await worker.stop();
    }
    const left = await t.ctx.db.selectFrom('outbox').select('message_id').where('message_id', 'in', ['<old-sent@gatehouse>', '<old-pending@gatehouse>']).execute();
    expect(left.map((row) => row.message_id)).toEqual(['<old-pending@gatehouse>']);
    await t.ctx.db.deleteFrom('outbox').where('message_id', '=', '<old-pending@gatehouse>').execute();
    // Retention: the worker's first round pruned delivered rows older than 30 days, not pending ones.
    expect(workerFactories).toContain(mailDispatcherWorker);
    const served = mailDispatcherWorker(t.ctx);
    expect(served.name).toBe('outbox-dispatcher');
    await served.stop();
  });
});

describe('GET /api/v1/dev/mailbox', () => {
  it('lists sent messages, newest first, to instance admins', async () => {
    await enqueueEmail(t.ctx.db, { to: 'list@example.test', orgId: null, template: 'password_reset', data: { firstName: 'L', link: 'http://gatehouse.test/reset-password/1' } }, t.clock.now());
    await drain(mailboxTransport(t.ctx.db, t.clock));
    const res = await t.inject({ url: '/api/v1/dev/mailbox?to=list@example.test', headers: { cookie: adminCookie } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ items: { to: string; subject: string; text: string; html: string; sentAt: string; id: string }[]; nextCursor: string | null }>();
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ to: 'list@example.test', subject: 'Reset your password', sentAt: t.clock.now().toISOString() });
    expect(body.items[0]?.text).toContain('http://gatehouse.test/reset-password/1');
    expect(body.nextCursor).toBeNull();

    const page = await t.inject({ url: '/api/v1/dev/mailbox?limit=1', headers: { cookie: adminCookie } });
    const first = page.json<{ items: unknown[]; nextCursor: string | null }>();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const next = await t.inject({ url: `/api/v1/dev/mailbox?limit=1&cursor=${encodeURIComponent(first.nextCursor ?? '')}`, headers: { cookie: adminCookie } });
    expect(next.statusCode).toBe(200);
    expect(next.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('shows each message\'s From and Reply-To, so an org\'s sender settings can be checked', async () => {
    await queuedInvitation(t.ctx.db, t.clock.now(), { email: 'from@example.test', senderName: 'Acme HR', replyTo: 'hr@acme.test' });
    await enqueueEmail(t.ctx.db, { to: 'from@example.test', orgId: null, template: 'password_reset', data: { firstName: 'F', link: 'http://gatehouse.test/reset-password/2' } }, t.clock.now());
    await drain(mailboxTransport(t.ctx.db, t.clock));
    const res = await t.inject({ url: '/api/v1/dev/mailbox?to=from@example.test', headers: { cookie: adminCookie } });
    const items = res.json<{ items: { subject: string; from: string; replyTo: string | null }[] }>().items;
    expect(items.map((m) => [m.subject.startsWith('Reset') ? 'reset' : 'invitation', m.from, m.replyTo]).sort()).toEqual([
      ['invitation', 'Acme HR <no-reply@localhost>', 'hr@acme.test'],
      ['reset', 'Gatehouse <no-reply@localhost>', null],
    ]);
  });

  it('is 401 signed out, 403 for other users, 400 for a bad cursor or limit', async () => {
    const anonymous = await t.inject({ url: '/api/v1/dev/mailbox' });
    expect([anonymous.statusCode, errorCode(anonymous)]).toEqual([401, 'UNAUTHENTICATED']);
    const user = await createUser(t);
    const cookie = await signIn(t, user.email);
    const forbidden = await t.inject({ url: '/api/v1/dev/mailbox', headers: { cookie } });
    expect([forbidden.statusCode, errorCode(forbidden)]).toEqual([403, 'FORBIDDEN']);
    const badCursor = await t.inject({ url: '/api/v1/dev/mailbox?cursor=nope', headers: { cookie: adminCookie } });
    expect([badCursor.statusCode, errorCode(badCursor)]).toEqual([400, 'INVALID_CURSOR']);
    const badLimit = await t.inject({ url: '/api/v1/dev/mailbox?limit=500', headers: { cookie: adminCookie } });
    expect([badLimit.statusCode, errorCode(badLimit)]).toEqual([400, 'VALIDATION_FAILED']);
    const unknown = await t.inject({ url: '/api/v1/dev/mailbox?sort=x', headers: { cookie: adminCookie } });
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('GET /api/v1/dev/mailbox with SMTP_URL set', () => {
  it('is absent: 404 MAILBOX_DISABLED, even for an instance admin', async () => {
    const smtp = await testApp({ SMTP_URL: 'smtp://127.0.0.1:2525' });
    try {
      const admin = await createUser(smtp, { is_instance_admin: true });
      const cookie = await signIn(smtp, admin.email);
      const res = await smtp.inject({ url: '/api/v1/dev/mailbox', headers: { cookie } });
      expect([res.statusCode, errorCode(res)]).toEqual([404, 'MAILBOX_DISABLED']);
    } finally {
      await smtp.close();
    }
  });
});
