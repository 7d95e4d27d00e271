/**
 * Delivery faults against a real SMTP server (smtp-server on 127.0.0.1), docs/rules.md R34 and
 * R35: the server down then back, 4xx vs 5xx, a dispatcher dying between sending
 * and recording, a rollback, and two dispatchers on one database.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../clock.js';
import type { GatehouseContext } from '../app.js';
import { openDatabase } from '../db/database.js';
import { testApp, type TestApp } from '../test/app.js';
import { testBackend } from '../test/database.js';
import { type SmtpSink, startSmtpSink } from '../test/smtp-sink.js';
import { dispatchOnce, type DispatchOptions } from './dispatcher.js';
import { enqueueEmail } from './outbox.js';
import { smtpTransport } from './smtp.transport.js';
import { insertOrg, queuedInvitation, queuePlainEmails } from './test-fixtures.js';
import type { MailTransport } from './transport.js';

let t: TestApp;
let sink: SmtpSink;
const transports: MailTransport[] = [];

beforeAll(async () => {
  t = await testApp();
  sink = await startSmtpSink();
});
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  // Each test starts from an empty outbox and an empty sink.
  await t.ctx.db.deleteFrom('outbox').execute();
  sink.received.length = 0;
  sink.clearRejections();
});
afterAll(async () => {
  await sink.stop();
  await t.close();
});

function smtp(url = sink.url, timeoutMs = 2000): MailTransport {
  const transport = smtpTransport({ url, connectionTimeoutMs: timeoutMs, greetingTimeoutMs: timeoutMs, socketTimeoutMs: timeoutMs });
  transports.push(transport);
  return transport;
}

async function drain(ctx: GatehouseContext, transport: MailTransport, options: DispatchOptions = {}) {
  const totals = { claimed: 0, sent: 0, retried: 0, failed: 0 };
  for (;;) {
    const round = await dispatchOnce(ctx, transport, { random: () => 0.5, ...options });
    if (round.claimed === 0) return totals;
    totals.claimed += round.claimed;
    totals.sent += round.sent;
    totals.retried += round.retried;
    totals.failed += round.failed;
  }
}

async function statuses() {
  return t.ctx.db.selectFrom('outbox').select(['message_id', 'status', 'attempts', 'response_status', 'last_error']).execute();
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

describe('SMTP faults', () => {
  it('delivers everything exactly once when the server is down and then back', async () => {
    const down = await startSmtpSink();
    const port = down.port;
    await down.stop();
    const org = await insertOrg(t.ctx.db, t.clock.now());
    const queued = [];
    for (let i = 0; i < 12; i += 1) queued.push(await queuedInvitation(t.ctx.db, t.clock.now(), { org }));
    const transport = smtp(`smtp://127.0.0.1:${String(port)}`);

    const outage = await drain(t.ctx, transport);
    expect(outage).toMatchObject({ claimed: 12, sent: 0, retried: 12, failed: 0 });
    expect((await statuses()).every((row) => row.status === 'pending' && row.attempts === 1)).toBe(true);

    const back = await startSmtpSink({ port });
    try {
      t.clock.advance(10 * MINUTE);
      expect(await drain(t.ctx, transport)).toMatchObject({ claimed: 12, sent: 12 });
      t.clock.advance(2 * DAY);
      expect((await drain(t.ctx, transport)).claimed).toBe(0);
      expect(back.received).toHaveLength(12);
      expect(new Set(back.received.map((mail) => mail.messageId))).toEqual(new Set(queued.map((q) => q.messageId)));
      expect((await statuses()).every((row) => row.status === 'sent' && row.attempts === 2)).toBe(true);
      const invitations = await t.ctx.db.selectFrom('invitations').select('status').where('org_id', '=', org.id).execute();
      expect(invitations.every((row) => row.status === 'sent')).toBe(true);
    } finally {
      await back.stop();
    }
  });

  it('retries a 4xx reply and fails a 5xx reply at once, marking that invitation failed with an event', async () => {
    const org = await insertOrg(t.ctx.db, t.clock.now());
    const soft = await queuedInvitation(t.ctx.db, t.clock.now(), { org, email: 'soft@example.test' });
    const hard = await queuedInvitation(t.ctx.db, t.clock.now(), { org, email: 'hard@example.test' });
    sink.rejectRecipient('soft@example.test', 450);
    sink.rejectRecipient('hard@example.test', 550);
    const transport = smtp();
    expect(await drain(t.ctx, transport)).toMatchObject({ claimed: 2, retried: 1, failed: 1 });

    const rows = new Map((await statuses()).map((row) => [row.message_id, row]));
    expect(rows.get(soft.messageId)).toMatchObject({ status: 'pending', attempts: 1, response_status: 450 });
    expect(rows.get(hard.messageId)).toMatchObject({ status: 'failed', attempts: 1, response_status: 550 });
    const hardInvitation = await t.ctx.db.selectFrom('invitations').selectAll().where('id', '=', hard.invitation.id).executeTakeFirstOrThrow();
    expect(hardInvitation.status).toBe('failed');
    expect(hardInvitation.failed_at).not.toBeNull();
    const events = await t.ctx.db.selectFrom('events').select(['type', 'data']).where('invitation_id', '=', hard.invitation.id).execute();
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('invitation.delivery_failed');
    expect(events[0]?.data).toMatchObject({ messageId: hard.messageId, attempts: 1 });
    expect(JSON.stringify(events[0]?.data)).toContain('550');

    // The greylisting server accepts later; the hard bounce is never tried again.
    sink.clearRejections();
    t.clock.advance(10 * MINUTE);
    expect(await drain(t.ctx, transport)).toMatchObject({ claimed: 1, sent: 1 });
    expect(sink.received.map((mail) => mail.to)).toEqual(['soft@example.test']);
    const softInvitation = await t.ctx.db.selectFrom('invitations').select('status').where('id', '=', soft.invitation.id).executeTakeFirstOrThrow();
    expect(softInvitation.status).toBe('sent');
  });

  it('sends the right headers: Message-ID, From with the org sender name, Reply-To, subject', async () => {
    const org = await insertOrg(t.ctx.db, t.clock.now());
    const { messageId } = await queuedInvitation(t.ctx.db, t.clock.now(), { org, senderName: 'Acme HR', replyTo: 'hr@acme.test', email: 'headers@example.test' });
    await drain(t.ctx, smtp());
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]).toMatchObject({
      messageId,
      to: 'headers@example.test',
      from: 'no-reply@localhost',
      fromName: 'Acme HR',
      replyTo: 'hr@acme.test',
      subject: 'You are invited to join Acme Clinics',
    });
    expect(sink.received[0]?.html).toContain('<table');
    expect(sink.received[0]?.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('retries when the server accepts the connection but never greets (timeouts)', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await enqueueEmail(t.ctx.db, { to: 'slow@example.test', orgId: null, template: 'verify_email', data: { link: 'http://gatehouse.test/verify-email/s' } }, t.clock.now());
      const started = Date.now();
      expect(await drain(t.ctx, smtp(`smtp://127.0.0.1:${String(port)}`, 300))).toMatchObject({ claimed: 1, retried: 1 });
      expect(Date.now() - started).toBeLessThan(5000);
      const [row] = await statuses();
      expect(row?.status).toBe('pending');
      // The greeting or the socket timeout fires first, whichever the timers reach first.
      expect(row?.last_error).toMatch(/greeting|timeout/i);
    } finally {
      silent.close();
    }
  });

  it('a dispatcher killed after sending and before recording causes at most one duplicate, with the same Message-ID', async () => {
    // The "kill": a transport wrapper that lets the real SMTP send finish and then never
    // returns, so the dispatcher never records the result, exactly like a process that died
    // at that instant. Its lease then runs out and another dispatcher takes the row.
    const real = smtp();
    const dying: MailTransport = {
      name: 'dies-after-send',
      async send(email) {
        await real.send(email);
        return new Promise<never>(() => undefined);
      },
      async close() {
        // the real transport is closed by afterEach
      },
    };
    const { invitation, messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    void dispatchOnce(t.ctx, dying, { leaseMs: 2 * MINUTE });
    await sink.waitFor(1);

    // Within the lease nobody else touches it.
    expect((await drain(t.ctx, real)).claimed).toBe(0);
    t.clock.advance(2 * MINUTE);
    expect(await drain(t.ctx, real)).toMatchObject({ claimed: 1, sent: 1 });
    t.clock.advance(DAY);
    expect((await drain(t.ctx, real)).claimed).toBe(0);

    expect(sink.received).toHaveLength(2);
    expect(sink.received.map((mail) => mail.messageId)).toEqual([messageId, messageId]);
    const [row] = await statuses();
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    const events = await t.ctx.db.selectFrom('events').select('type').where('invitation_id', '=', invitation.id).execute();
    expect(events.map((event) => event.type)).toEqual(['invitation.sent']);
  });

  // The same with a real process: a dispatcher child (the built dist/) is SIGKILLed right after
  // the SMTP server accepted its message. PostgreSQL only: the child needs the database too.
  it.runIf(testBackend() === 'postgres')('a dispatcher process SIGKILLed after sending: one duplicate, same Message-ID', async () => {
    const { invitation, messageId } = await queuedInvitation(t.ctx.db, t.clock.now());
    const script = fileURLToPath(new URL('./dispatcher-kill.child.js', import.meta.url));
    const child = fork(script, [t.database.url ?? '', sink.url, t.clock.now().toISOString()], { stdio: 'ignore' });
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => { resolve(signal); }));
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => { resolve(); });
      child.once('exit', () => { reject(new Error('the child exited before sending')); });
    });
    child.kill('SIGKILL');
    expect(await exit).toBe('SIGKILL');
    expect(sink.received.map((mail) => mail.messageId)).toEqual([messageId]);
    const [claimed] = await statuses();
    expect(claimed).toMatchObject({ status: 'pending', attempts: 1 });

    t.clock.advance(2 * MINUTE);
    expect(await drain(t.ctx, smtp())).toMatchObject({ claimed: 1, sent: 1 });
    expect(sink.received.map((mail) => mail.messageId)).toEqual([messageId, messageId]);
    const events = await t.ctx.db.selectFrom('events').select('type').where('invitation_id', '=', invitation.id).execute();
    expect(events.map((event) => event.type)).toEqual(['invitation.sent']);
  });

  it('sends nothing for a rolled-back transaction', async () => {
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await enqueueEmail(trx, { to: 'rollback@example.test', orgId: null, template: 'password_reset', data: { firstName: 'R', link: 'http://gatehouse.test/reset-password/r' } }, t.clock.now());
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await drain(t.ctx, smtp())).claimed).toBe(0);
    expect(sink.received).toHaveLength(0);
  });

  it('two dispatchers on one database never send the same row twice', async () => {
    await queuePlainEmails(t.ctx.db, t.clock.now(), 200, 'race');
    // On PostgreSQL the second dispatcher is a separate instance: its own connection pool.
    const second = t.database.url === null ? null : await openDatabase({ databaseUrl: t.database.url, dataDir: null, poolSize: 5 });
    try {
      const ctxB: GatehouseContext = { ...t.ctx, db: second?.db ?? t.ctx.db };
      const options = { batchSize: 7, concurrency: 4 };
      const [a, b] = await Promise.all([drain(t.ctx, smtp(), options), drain(ctxB, smtp(), options)]);
      expect(a.sent + b.sent).toBe(200);
      expect(a.claimed + b.claimed).toBe(200);
      // Both really worked (on PGlite they share one connection and still interleave rounds).
      expect(a.sent).toBeGreaterThan(0);
      expect(b.sent).toBeGreaterThan(0);
      await sink.waitFor(200);
      const perId = countBy(sink.received, (mail) => mail.messageId);
      expect(perId.size).toBe(200);
      expect([...perId.values()].every((n) => n === 1)).toBe(true);
      const rows = await statuses();
      expect(rows.every((row) => row.status === 'sent' && row.attempts === 1)).toBe(true);
    } finally {
      await second?.close();
    }
  });
});
