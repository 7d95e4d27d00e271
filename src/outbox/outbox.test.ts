import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { outboxRow } from '../mail/outbox.js';
import { testApp, type TestApp } from '../test/app.js';
import { insertInvitation, insertOrg } from '../mail/test-fixtures.js';
import type { Deliverer } from './deliverer.js';
import { dispatchOutbox } from './outbox.dispatcher.js';
import { cancelPending, enqueueOutbox } from './outbox.repository.js';

const SRC = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** The feature folders a folder's non-test modules import. */
function importedFolders(folder: string): Set<string> {
  const found = new Set<string>();
  for (const file of readdirSync(path.join(SRC, folder), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const text = readFileSync(path.join(SRC, folder, file), 'utf8');
    for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, folder, file)), match[1] ?? ''));
      const top = target.split(path.sep)[0] ?? '';
      if (top !== folder && !top.endsWith('.js')) found.add(top);
    }
  }
  return found;
}

describe('who depends on whom', () => {
  it('the outbox engine imports no feature: neither mail nor webhooks nor invitations', () => {
    expect([...importedFolders('outbox')].sort()).toEqual(['common', 'db']);
  });

  it('mail reaches invitations only through hooks: it imports neither invitations nor webhooks', () => {
    const folders = importedFolders('mail');
    expect(folders.has('invitations')).toBe(false);
    expect(folders.has('webhooks')).toBe(false);
  });

  it('webhooks and events import neither mail nor invitations', () => {
    for (const folder of ['webhooks', 'events']) {
      const folders = importedFolders(folder);
      expect(folders.has('mail')).toBe(false);
      expect(folders.has('invitations')).toBe(false);
    }
  });
});

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

describe('the outbox engine', () => {
  it('cancels by a typed selector: only the pending rows of that kind, invitation and topic', async () => {
    const now = t.clock.now();
    const org = await insertOrg(t.ctx.db, now);
    const invitation = await insertInvitation(t.ctx.db, now, { orgId: org.id });
    const other = await insertInvitation(t.ctx.db, now, { orgId: org.id });
    const email = (invitationId: string, template: 'invitation' | 'renewal_request') =>
      template === 'invitation'
        ? outboxRow({ template, to: 'a@example.test', orgId: org.id, invitationId, data: invitationData(invitationId) }, now)
        : outboxRow({ template, to: 'b@example.test', orgId: org.id, invitationId, data: { orgName: 'O', inviteeEmail: 'a@example.test', inviterName: 'I', consoleLink: 'http://gatehouse.test/x' } }, now);
    const rows = [email(invitation.id, 'invitation'), email(invitation.id, 'renewal_request'), email(other.id, 'invitation')];
    await t.ctx.db.transaction().execute(async (trx) => {
      await enqueueOutbox(trx, rows);
    });
    const cancelled = await t.ctx.db.transaction().execute((trx) => cancelPending(trx, { kind: 'email', topic: 'invitation', invitationIds: [invitation.id] }));
    expect(cancelled).toBe(1);
    const left = await t.ctx.db.selectFrom('outbox').select('message_id').where('message_id', 'in', rows.map((row) => row.message_id)).execute();
    expect(left.map((row) => row.message_id).sort()).toEqual([rows[1]?.message_id, rows[2]?.message_id].sort());
    // A selector naming no invitation cancels nothing.
    expect(await t.ctx.db.transaction().execute((trx) => cancelPending(trx, { kind: 'email', invitationIds: [] }))).toBe(0);
    await t.ctx.db.deleteFrom('outbox').where('message_id', 'in', rows.map((row) => row.message_id)).execute();
  });

  it('claims only the kinds a round can deliver, and records through the deliverer it registered', async () => {
    t.clock.advance(MINUTE);
    const now = t.clock.now();
    const queued = outboxRow({ template: 'verify_email', to: 'kinds@example.test', orgId: null, data: { link: 'http://gatehouse.test/verify-email/k' } }, now);
    await enqueueOutbox(t.ctx.db, [queued]);
    // The app registers only webhooks: a round without an email deliverer leaves the email alone.
    const webhooksOnly = await dispatchOutbox(t.ctx, [], { random: () => 0.5 });
    expect(webhooksOnly.claimed).toBe(0);
    const seen: string[] = [];
    const recorder: Deliverer = {
      kind: 'email',
      keepOnDone: ['to'],
      async deliver(row) {
        seen.push(row.message_id);
        return { responseStatus: 250 };
      },
    };
    const round = await dispatchOutbox(t.ctx, [recorder], { random: () => 0.5 });
    expect(round).toMatchObject({ claimed: 1, sent: 1 });
    expect(seen).toEqual([queued.message_id]);
    const row = await t.ctx.db.selectFrom('outbox').selectAll().where('message_id', '=', queued.message_id).executeTakeFirstOrThrow();
    expect(row.status).toBe('sent');
    // Scrubbed to what the deliverer keeps: the link is gone.
    expect(row.payload).toEqual({ to: 'kinds@example.test', messageId: queued.message_id, scrubbed: true });
  });

  it('belongs to one app: two apps in one process share neither nudges nor metrics', async () => {
    const other = await testApp();
    try {
      expect(other.ctx.outbox).not.toBe(t.ctx.outbox);
      let woken = 0;
      const stop = other.ctx.outbox.onNudge(() => {
        woken += 1;
      });
      t.ctx.outbox.nudge();
      expect(woken).toBe(0);
      other.ctx.outbox.nudge();
      expect(woken).toBe(1);
      stop();
      other.ctx.outbox.recordOutcome('webhook', 'failed', 0.01);
      const mine = await t.inject({ url: '/metrics' });
      expect(mine.body).not.toMatch(/gatehouse_outbox_deliveries_total\{kind="webhook",outcome="failed"\} 1/);
      expect(await other.ctx.metrics.registry.metrics()).toMatch(/gatehouse_outbox_deliveries_total\{kind="webhook",outcome="failed"\} 1/);
    } finally {
      await other.close();
    }
    // A second app boots its own database: slow on a busy machine.
  }, 120_000);
});

function invitationData(id: string) {
  return {
    kind: 'invitation' as const,
    link: `http://gatehouse.test/invite/${id}`,
    orgName: 'O',
    orgTrusted: true,
    resourceName: null,
    roleName: 'Member',
    inviterName: 'I',
    message: null,
    firstName: null,
    expiresAt: '2030-01-01T00:00:00.000Z',
    trackingPixelUrl: null,
  };
}
