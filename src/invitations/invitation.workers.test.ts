import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../clock.js';
import { testApp, type TestApp } from '../test/app.js';
import { createUser, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import { eventTypes, invitationRow, inviteOk, markSent, queuedEmails } from '../test/invitations.js';
import { workerFactories } from '../workers.js';
import { invitationMaintenanceWorker, runInvitationMaintenance, sendDueRemindersBatch, sweepExpiredBatch } from './invitation.workers.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

describe('expiry sweep', () => {
  it('expires overdue live invitations with `invitation.expired`, and only those', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const now = t.clock.now().getTime();
    const soon = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', expiresAt: new Date(now + DAY).toISOString() });
    const later = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    const revoked = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member', expiresAt: new Date(now + DAY).toISOString() });
    await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations/${revoked.invitation.id}/revoke`, headers: { cookie } });
    await markSent(t, soon.invitation.id);
    t.clock.advance(DAY + MINUTE);
    expect(await sweepExpiredBatch(t.ctx)).toBe(1);
    expect(await sweepExpiredBatch(t.ctx)).toBe(0);
    expect(await invitationRow(t, soon.invitation.id)).toMatchObject({ status: 'expired', expired_at: t.clock.now() });
    expect(await eventTypes(t, soon.invitation.id)).toEqual(['invitation.created', 'invitation.sent', 'invitation.expired']);
    expect((await invitationRow(t, later.invitation.id))?.status).toBe('pending');
    expect((await invitationRow(t, revoked.invitation.id))?.status).toBe('revoked');
    // The expired link is still recognised, so the page can offer a renewal.
    const look = await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token: soon.token } });
    expect(look.json<{ invitation: { status: string } }>().invitation.status).toBe('expired');
  });

  it('is one of the workers `gatehouse serve` runs', () => {
    expect(workerFactories).toContain(invitationMaintenanceWorker);
  });
});

describe('reminders', () => {
  it('park one reminder with the same link at creation and release it when due, refreshed, once', async () => {
    const { org, cookie, user } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ reminder_days_before_expiry: 3 }).where('id', '=', org.id).execute();
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    await markSent(t, invitation.id);
    const parked = (await queuedEmails(t, invitation.id)).filter((e) => e.parked);
    expect(parked).toHaveLength(1);
    expect(parked[0]?.payload.data).toMatchObject({ kind: 'reminder', link: `http://gatehouse.test/invite/${token}` });
    // Not yet due.
    t.clock.advance(26 * DAY);
    expect(await sendDueRemindersBatch(t.ctx)).toBe(0);
    const edited = await t.inject({
      method: 'PATCH',
      url: `/api/v1/orgs/${org.id}/invitations/${invitation.id}`,
      headers: { cookie: await signIn(t, user.email) },
      payload: { message: 'Reminder: we are waiting' },
    });
    expect(edited.statusCode).toBe(200);
    t.clock.advance(DAY + HOUR);
    expect(await sendDueRemindersBatch(t.ctx)).toBe(1);
    expect(await sendDueRemindersBatch(t.ctx)).toBe(0);
    const reminder = (await queuedEmails(t, invitation.id)).find((e) => e.payload.data.kind === 'reminder');
    expect(reminder).toMatchObject({ parked: false, status: 'pending', nextAttemptAt: t.clock.now() });
    expect(reminder?.payload.data).toMatchObject({ link: `http://gatehouse.test/invite/${token}`, message: 'Reminder: we are waiting' });
    expect((await invitationRow(t, invitation.id))?.reminded_at).toEqual(t.clock.now());
    expect((await eventTypes(t, invitation.id)).at(-1)).toBe('invitation.reminded');
    // The same token still works after the reminder.
    const look = await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } });
    expect(look.statusCode).toBe(200);
  });

  it('a dead or rotated token takes its parked reminder with it; no reminders when the org has them off', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await t.ctx.db.updateTable('orgs').set({ reminder_days_before_expiry: 3 }).where('id', '=', org.id).execute();
    const invitee = await createUser(t);
    const accepted = await inviteOk(t, cookie, org.id, { email: invitee.email, role: 'member' });
    await t.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token: accepted.token }, headers: { cookie: await signIn(t, invitee.email) } });
    expect((await queuedEmails(t, accepted.invitation.id)).filter((e) => e.parked)).toEqual([]);

    const resent = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    t.clock.advance(HOUR);
    await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations/${resent.invitation.id}/resend`, headers: { cookie } });
    const parked = (await queuedEmails(t, resent.invitation.id)).filter((e) => e.parked);
    expect(parked).toHaveLength(1);
    expect(parked[0]?.payload.data.link).not.toContain(resent.token);

    await t.ctx.db.updateTable('orgs').set({ reminder_days_before_expiry: 0 }).where('id', '=', org.id).execute();
    const quiet = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    expect((await queuedEmails(t, quiet.invitation.id)).filter((e) => e.parked)).toEqual([]);
  });

  it('one maintenance tick sweeps, reminds and drops old quota windows', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'member' });
    t.clock.advance(40 * DAY);
    const result = await runInvitationMaintenance(t.ctx);
    expect(result.expired).toBeGreaterThan(0);
    const windows = await t.ctx.db.selectFrom('invitation_quota_counters').select('org_id').where('org_id', '=', org.id).execute();
    expect(windows).toEqual([]);
  });
});
