import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../clock.js';
import type { InvitationStatus } from '../db/schema.js';
import { testApp, type TestApp } from '../test/app.js';
import { PIXEL_GIF } from './mail.routes.js';
import { insertInvitation, insertOrg } from './test-fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

async function invitation(status: InvitationStatus, org?: { id: string }) {
  const owner = org ?? (await insertOrg(t.ctx.db, t.clock.now()));
  return insertInvitation(t.ctx.db, t.clock.now(), { orgId: owner.id, status });
}

async function pixel(trackingId: string, method: 'GET' | 'HEAD' = 'GET') {
  const res = await t.inject({ method, url: `/t/${trackingId}.gif` });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('image/gif');
  expect(res.headers['cache-control']).toContain('no-store');
  if (method === 'GET') expect(res.rawPayload.equals(PIXEL_GIF)).toBe(true);
  return res;
}

async function row(id: string) {
  return t.ctx.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function opens(id: string) {
  return t.ctx.db.selectFrom('events').select(['type', 'data', 'occurred_at']).where('invitation_id', '=', id).orderBy('seq').execute();
}

describe('GET /t/:trackingId.gif', () => {
  it('is a 1x1 GIF for unknown ids too, with identical bodies (no oracle)', async () => {
    const known = await invitation('sent');
    const a = await pixel(known.trackingId);
    const b = await pixel('no-such-tracking-id');
    expect(PIXEL_GIF.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(a.rawPayload.equals(b.rawPayload)).toBe(true);
    expect(a.headers['content-length']).toBe(b.headers['content-length']);
  });

  it('moves sent -> opened, keeps the first open and the latest, one event per recorded open', async () => {
    const inv = await invitation('sent');
    const first = t.clock.now();
    await pixel(inv.trackingId);
    let current = await row(inv.id);
    expect(current.status).toBe('opened');
    expect(current.opened_at?.toISOString()).toBe(first.toISOString());
    expect(current.last_opened_at?.toISOString()).toBe(first.toISOString());

    // A proxy refetching within the hour changes nothing.
    t.clock.advance(10 * MINUTE);
    await pixel(inv.trackingId);
    expect(await opens(inv.id)).toHaveLength(1);

    t.clock.advance(HOUR);
    await pixel(inv.trackingId);
    current = await row(inv.id);
    expect(current.status).toBe('opened');
    expect(current.opened_at?.toISOString()).toBe(first.toISOString());
    expect(current.last_opened_at?.toISOString()).toBe(t.clock.now().toISOString());
    const events = await opens(inv.id);
    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['invitation.opened', { first: true }],
      ['invitation.opened', { first: false }],
    ]);
  });

  it('records an open of a clicked invitation without moving it back', async () => {
    const inv = await invitation('clicked');
    await pixel(inv.trackingId);
    const current = await row(inv.id);
    expect(current.status).toBe('clicked');
    expect(current.opened_at).not.toBeNull();
  });

  it('ignores opens of pending, final, failed and expired invitations', async () => {
    for (const status of ['pending', 'accepted', 'declined', 'revoked', 'expired', 'failed'] as const) {
      const inv = await invitation(status);
      await pixel(inv.trackingId);
      const current = await row(inv.id);
      expect(current.status).toBe(status);
      expect(current.opened_at).toBeNull();
      expect(await opens(inv.id)).toHaveLength(0);
    }
    const org = await insertOrg(t.ctx.db, t.clock.now());
    const lapsed = await insertInvitation(t.ctx.db, t.clock.now(), { orgId: org.id, status: 'sent', expiresAt: new Date(t.clock.now().getTime() - DAY) });
    await pixel(lapsed.trackingId);
    expect((await row(lapsed.id)).status).toBe('sent');
  });

  it('records nothing when the org turned open tracking off', async () => {
    const org = await insertOrg(t.ctx.db, t.clock.now(), { openTracking: false });
    const inv = await invitation('sent', org);
    await pixel(inv.trackingId);
    const current = await row(inv.id);
    expect(current.status).toBe('sent');
    expect(current.opened_at).toBeNull();
    expect(await opens(inv.id)).toHaveLength(0);
  });

  it('answers HEAD without recording an open (a scanner, not a mail client)', async () => {
    const inv = await invitation('sent');
    const res = await t.inject({ method: 'HEAD', url: `/t/${inv.trackingId}.gif` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect((await row(inv.id)).status).toBe('sent');
    expect(await opens(inv.id)).toHaveLength(0);
  });
});
