/**
 * Previewing the invitation email (docs/rules.md R90): the email a create would send, rendered by
 * the outbox's template with the org's branding, an inert link and no tracking pixel; the same
 * refusals as the create, with the same codes; and nothing written, row for row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../auth/crypto.js';
import { errorCode, TEST_PUBLIC_URL, testApp, type TestApp } from '../test/app.js';
import { createApp, createResource, createUser, grant, ownerWithOrg, signIn, uniqueEmail } from '../test/fixtures.js';
import { apiKey, auth, invite, inviteOk, invitationRow, queuedEmails } from '../test/invitations.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

interface Preview {
  subject: string;
  from: string;
  to: string;
  html: string;
  text: string;
}

const previewOf = (who: string, orgId: string, body: Record<string, unknown>) =>
  t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations/preview`, headers: auth(who), payload: body });

/** Rows in every table a create writes (webhook deliveries and emails are outbox rows). */
async function counts(): Promise<Record<string, number>> {
  const tables = ['invitations', 'users', 'people', 'events', 'outbox', 'mailbox', 'invitation_quota_counters'] as const;
  const result: Record<string, number> = {};
  for (const table of tables) {
    const row = await t.ctx.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    result[table] = Number(row.n);
  }
  return result;
}

/** A branded, trusted org with a sender name, open tracking on and a webhook endpoint listening. */
async function brandedOrg() {
  const owned = await ownerWithOrg(t, 'Harbour Clinics');
  await t.ctx.db
    .updateTable('orgs')
    .set({ sender_name: 'Harbour HR', reply_to: 'hr@harbour.test', brand_color: '#7a1f5c', open_tracking: true, reminder_days_before_expiry: 3 })
    .where('id', '=', owned.org.id)
    .execute();
  await t.ctx.db
    .insertInto('webhook_endpoints')
    .values({ org_id: owned.org.id, url: 'https://hooks.example.test/in', events: JSON.stringify(['invitation.created', 'user.invited']), secret: 'whsec_test' })
    .execute();
  return owned;
}

describe('the preview', () => {
  it('is the email the create sends, with the org’s name, colour and sender, the role and the inviter, an inert link and no pixel', async () => {
    const { org, cookie } = await brandedOrg();
    const resource = await createResource(t, org.id, 'Quayside');
    const email = uniqueEmail('nina');
    const body = { email, role: 'admin', resourceId: resource.id, firstName: 'Nina', message: 'See you <b>Monday</b>' };
    const res = await previewOf(cookie, org.id, body);
    expect(res.statusCode, res.body).toBe(200);
    const preview = res.json<Preview>();
    expect(preview.subject).toBe('You are invited to join Harbour Clinics');
    expect(preview.from).toBe('Harbour HR <no-reply@localhost>');
    expect(preview.to).toBe(email);
    expect(preview.text).toContain('Hello Nina,');
    expect(preview.text).toContain('Test User invited you to join Harbour Clinics (Quayside) as Admin.');
    expect(preview.text).toContain('> See you <b>Monday</b>');
    expect(preview.html).toContain('#7a1f5c');
    expect(preview.html).toContain('See you &lt;b&gt;Monday&lt;/b&gt;');
    expect(preview.html).not.toContain('<b>Monday');
    // The link is the inert placeholder, and nothing tracks the reading.
    expect(preview.text).toContain(`${TEST_PUBLIC_URL}/invite/preview`);
    expect(preview.html).toContain(`${TEST_PUBLIC_URL}/invite/preview`);
    expect(`${preview.html}\n${preview.text}`).not.toContain('/t/');
    expect(preview.html).not.toMatch(/width="1" height="1"/);

    // The real create of the same body: its email has a token link and the pixel; the preview has neither.
    const { invitation, token } = await inviteOk(t, cookie, org.id, body);
    const [queued] = await queuedEmails(t, invitation.id);
    const row = await invitationRow(t, invitation.id);
    expect(queued?.payload.data.link).toBe(`${TEST_PUBLIC_URL}/invite/${token}`);
    expect(queued?.payload.data.trackingPixelUrl).toBe(`${TEST_PUBLIC_URL}/t/${row?.tracking_id ?? 'x'}.gif`);
    for (const secret of [token, row?.token_hash ?? 'x', row?.tracking_id ?? 'x', sha256(token)]) {
      expect(preview.html).not.toContain(secret);
      expect(preview.text).not.toContain(secret);
    }
    expect(queued?.payload.data).toMatchObject({ orgName: 'Harbour Clinics', resourceName: 'Quayside', roleName: 'Admin', inviterName: 'Test User', message: body.message });
  });

  it('writes nothing: no invitation, user, person, event, email, webhook delivery or quota use', async () => {
    const { org, cookie } = await brandedOrg();
    const before = await counts();
    for (const body of [
      { email: uniqueEmail(), role: 'member' },
      { email: uniqueEmail(), role: 'member', createUser: true, firstName: 'Ula', lastName: 'Ur' },
      { email: 'not an email', role: 'member' },
    ]) {
      await previewOf(cookie, org.id, body);
    }
    expect(await counts()).toEqual(before);
    // The same body created does write (so the counts above could have moved).
    expect((await invite(t, cookie, org.id, { email: uniqueEmail(), role: 'member', createUser: true })).statusCode).toBe(201);
    const after = await counts();
    for (const table of ['invitations', 'users', 'events', 'outbox', 'invitation_quota_counters']) {
      expect(after[table], table).toBeGreaterThan(before[table] ?? 0);
    }
  });

  it('does not expire a due invitation of the address, as the create would first', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const email = uniqueEmail();
    const { invitation } = await inviteOk(t, cookie, org.id, { email, role: 'member' });
    await t.ctx.db.updateTable('invitations').set({ expires_at: new Date(t.clock.now().getTime() - 1000) }).where('id', '=', invitation.id).execute();
    const res = await previewOf(cookie, org.id, { email, role: 'member' });
    expect(res.statusCode, res.body).toBe(200);
    expect((await invitationRow(t, invitation.id))?.status).toBe('pending');
  });

  it('leaves an untrusted org’s name out of the subject and its sender name out of From, as its email does', async () => {
    const { org, cookie } = await ownerWithOrg(t, 'Self Service Co');
    await t.ctx.db.updateTable('orgs').set({ trusted: false, sender_name: 'Your Bank' }).where('id', '=', org.id).execute();
    const preview = (await previewOf(cookie, org.id, { email: uniqueEmail(), role: 'member' })).json<Preview>();
    expect(preview.subject).toBe('You have been invited');
    expect(preview.from).toBe('Gatehouse <no-reply@localhost>');
    expect(preview.text).toContain('Self Service Co');
  });
});

describe('the create’s checks, the same codes', () => {
  it('refuses each bad body exactly as the create does', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin');
    const adminCookie = await signIn(t, admin.email);
    const memberEmail = uniqueEmail();
    const existing = await createUser(t, { email: memberEmail });
    await grant(t, existing.id, org.id, 'member');
    const cases: { name: string; who: string; body: Record<string, unknown>; status: number; code: string }[] = [
      { name: 'bad email', who: cookie, body: { email: 'not an email', role: 'member' }, status: 400, code: 'INVALID_EMAIL' },
      { name: 'unknown role', who: cookie, body: { email: uniqueEmail(), role: 'wizard' }, status: 404, code: 'ROLE_NOT_FOUND' },
      { name: 'role above the actor’s', who: adminCookie, body: { email: uniqueEmail(), role: 'owner' }, status: 403, code: 'ROLE_NOT_GRANTABLE' },
      { name: 'unknown resource', who: cookie, body: { email: uniqueEmail(), role: 'member', resourceId: '00000000-0000-4000-8000-000000000000' }, status: 404, code: 'RESOURCE_NOT_FOUND' },
      { name: 'returnTo without an app', who: cookie, body: { email: uniqueEmail(), role: 'member', appId: null, returnTo: 'https://evil.example/' }, status: 400, code: 'RETURN_TO_NOT_ALLOWED' },
      { name: 'unknown app', who: cookie, body: { email: uniqueEmail(), role: 'member', appId: '00000000-0000-4000-8000-000000000000' }, status: 404, code: 'APP_NOT_FOUND' },
      { name: 'expiry out of range', who: cookie, body: { email: uniqueEmail(), role: 'member', expiresAt: '2000-01-01T00:00:00.000Z' }, status: 400, code: 'EXPIRY_OUT_OF_RANGE' },
      { name: 'unknown person', who: cookie, body: { email: uniqueEmail(), role: 'member', personId: '00000000-0000-4000-8000-000000000000' }, status: 404, code: 'PERSON_NOT_FOUND' },
      { name: 'already a member', who: cookie, body: { email: memberEmail, role: 'member' }, status: 409, code: 'ALREADY_MEMBER' },
      { name: 'unknown field', who: cookie, body: { email: uniqueEmail(), role: 'member', token: 'x' }, status: 400, code: 'VALIDATION_FAILED' },
    ];
    const before = await counts();
    for (const c of cases) {
      const preview = await previewOf(c.who, org.id, c.body);
      expect([preview.statusCode, errorCode(preview)], c.name).toEqual([c.status, c.code]);
      expect(preview.json<{ error: { details: unknown[] } }>().error.details, c.name).toEqual(expect.any(Array));
    }
    expect(await counts()).toEqual(before);
    for (const c of cases) {
      const created = await invite(t, c.who, org.id, c.body);
      expect([created.statusCode, errorCode(created)], c.name).toEqual([c.status, c.code]);
    }
  });

  it('previews a body whose address already has a live invitation there (the create answers with that one)', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const email = uniqueEmail();
    await inviteOk(t, cookie, org.id, { email, role: 'member' });
    const res = await previewOf(cookie, org.id, { email, role: 'member' });
    expect(res.statusCode).toBe(200);
    expect((await invite(t, cookie, org.id, { email, role: 'member' })).statusCode).toBe(200);
  });
});

describe('who may preview', () => {
  it('401 without a session, 404 outside the org, 403 without invitations:manage (session or API key)', async () => {
    const { org } = await ownerWithOrg(t);
    const body = { email: uniqueEmail(), role: 'member' };
    const anonymous = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations/preview`, payload: body });
    expect([anonymous.statusCode, errorCode(anonymous)]).toEqual([401, 'UNAUTHENTICATED']);

    const member = await createUser(t);
    await grant(t, member.id, org.id, 'member');
    const memberRes = await previewOf(await signIn(t, member.email), org.id, body);
    expect([memberRes.statusCode, errorCode(memberRes)]).toEqual([403, 'FORBIDDEN']);

    const outsider = await ownerWithOrg(t);
    const outsiderRes = await previewOf(outsider.cookie, org.id, body);
    expect([outsiderRes.statusCode, errorCode(outsiderRes)]).toEqual([404, 'ORG_NOT_FOUND']);

    const readKey = await apiKey(t, org.id, ['invitations:read']);
    const keyRes = await previewOf(readKey, org.id, body);
    expect([keyRes.statusCode, errorCode(keyRes)]).toEqual([403, 'FORBIDDEN']);
    const key = await apiKey(t, org.id, ['invitations:manage', 'invitations:read', 'org:read', 'members:read', 'people:read']);
    const ok = await previewOf(key, org.id, body);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json<Preview>().text).toContain('CRM integration invited you');
  });

  it('a resource’s admin previews at their resource only', async () => {
    const { org } = await ownerWithOrg(t);
    const north = await createResource(t, org.id, 'North');
    const south = await createResource(t, org.id, 'South');
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin', north.id);
    const cookie = await signIn(t, admin.email);
    expect((await previewOf(cookie, org.id, { email: uniqueEmail(), role: 'member', resourceId: north.id })).statusCode).toBe(200);
    const sibling = await previewOf(cookie, org.id, { email: uniqueEmail(), role: 'member', resourceId: south.id });
    expect([sibling.statusCode, errorCode(sibling)]).toEqual([403, 'FORBIDDEN']);
    const orgWide = await previewOf(cookie, org.id, { email: uniqueEmail(), role: 'member' });
    expect([orgWide.statusCode, errorCode(orgWide)]).toEqual([403, 'FORBIDDEN']);
  });

  it('takes a widget token, as its user (docs/rules.md R81), and writes nothing', async () => {
    const { org } = await ownerWithOrg(t);
    const admin = await createUser(t, { first_name: 'Wanda', last_name: 'Widget' });
    await grant(t, admin.id, org.id, 'admin');
    const appId = await createApp(t, org.id, { origins: ['https://crm.example'] });
    const key = await apiKey(t, org.id, ['invitations:read', 'invitations:manage', 'org:read', 'members:read', 'people:read']);
    const mint = async (scopes: string[]) => {
      const res = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/widget-tokens`, headers: auth(key), payload: { appId, userId: admin.id, scopes } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ token: string }>().token;
    };
    const token = await mint(['invitations:manage', 'invitations:read', 'org:read', 'members:read', 'people:read']);
    const before = await counts();
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/invitations/preview`,
      headers: { authorization: `Bearer ${token}`, origin: 'https://crm.example' },
      payload: { email: uniqueEmail(), role: 'member' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://crm.example');
    expect(res.json<Preview>().text).toContain('Wanda Widget invited you');
    expect(await counts()).toEqual(before);

    const readOnly = await mint(['invitations:read']);
    const refused = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/invitations/preview`,
      headers: { authorization: `Bearer ${readOnly}` },
      payload: { email: uniqueEmail(), role: 'member' },
    });
    expect([refused.statusCode, errorCode(refused)]).toEqual([403, 'FORBIDDEN']);
  });
});
