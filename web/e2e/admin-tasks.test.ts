/**
 * The console's tasks in a real browser against ONE real server (dev mailbox, sign-up on),
 * started on an empty database: the first administrator is created from the setup link the
 * server logs, then that admin imports people from CSV, bulk invites, resends and revokes, edits
 * and corrects an invitation, changes and removes access, manages custom roles, changes the
 * settings, creates and revokes an API key, registers webhooks and reads their delivery log, and
 * reads the audit log and the mailbox; last, a sign-up is verified and a password reset from the
 * emailed links. Each test checks what the person sees and, where cheap, the server's state
 * through the API. The tests run in order and build on each other's data; the server is
 * restarted once (starting one costs seconds on a busy machine).
 */
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIRequestContext, Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, browserAvailable, launchBrowser, linkFromMailbox, mailLink, screenshot, Server } from './harness.js';

const enabled = browserAvailable();

type Json = Record<string, unknown>;

describe.runIf(enabled)('console tasks in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let orgId = '';
  let downtownId = '';
  const org = () => `/orgs/${orgId}`;

  beforeAll(async () => {
    server = await Server.create({ ALLOW_SIGNUP: 'true' });
    await server.start();
    browser = await launchBrowser();
    admin = await browser.newContext({ baseURL: server.url });
    page = await admin.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  async function guest(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL: server.url });
    return { context, page: await context.newPage() };
  }

  /** An API call as the admin (the context's session cookie); fails the test on an unexpected status. */
  async function call(request: APIRequestContext, method: string, path: string, data?: unknown, status?: number): Promise<Json> {
    // Like the console: an unsafe request always sends JSON, `{}` when it has no body.
    const body = data ?? (method === 'GET' ? undefined : {});
    const res = await request.fetch(path, { method, ...(body === undefined ? {} : { data: body }) });
    if (status === undefined ? !res.ok() : res.status() !== status) {
      throw new Error(`${method} ${path}: ${String(res.status())} ${await res.text()}`);
    }
    return res.status() === 204 ? {} : ((await res.json()) as Json);
  }
  const get = (path: string) => call(admin.request, 'GET', `/api/v1/orgs/${orgId}${path}`);
  const items = async (path: string) => (await get(path)).items as Json[];

  const row = (table: Locator, text: string) => table.locator('tbody tr').filter({ hasText: text });

  it('creates the first administrator from the setup link logged at the first start', async () => {
    const link = /https?:\/\/\S+\/setup\/[A-Za-z0-9_-]+/.exec(server.output)?.[0];
    expect(link, server.output).toBeDefined();

    // Without the link the page says where to find it.
    await page.goto('/setup');
    await page.getByText('open the setup link that').waitFor();

    await page.goto(String(link));
    await page.waitForURL((url) => url.pathname === '/setup');
    await page.getByLabel('First name').fill(ADMIN.firstName);
    await page.getByLabel('Last name').fill(ADMIN.lastName);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.locator('#password-error').waitFor();
    await screenshot(page, '30-setup');
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create administrator' }).click();
    await page.waitForURL('**/orgs');
    await page.getByText('You are not in any organization yet').waitFor();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toContain(ADMIN.email);
    const me = await call(admin.request, 'GET', '/api/v1/me');
    expect(me.user).toMatchObject({ email: ADMIN.email, isInstanceAdmin: true });

    // The link is spent: a second visitor is told so in words and nobody else becomes admin.
    const other = await guest();
    await other.page.goto(String(link));
    await other.page.getByLabel('First name').fill('Mallory');
    await other.page.getByLabel('Last name').fill('Late');
    await other.page.getByLabel('Email').fill('mallory@e2e.test');
    await other.page.getByLabel('Password').fill('mallory password 1');
    await other.page.getByRole('button', { name: 'Create administrator' }).click();
    await other.page.getByRole('alert').filter({ hasText: /not valid|already exists/ }).waitFor();
    expect(new URL(other.page.url()).pathname).toBe('/setup');
    await other.context.close();

    // Creating an org and a location in the console is console.test.ts's job.
    orgId = String((await call(admin.request, 'POST', '/api/v1/orgs', { name: 'Riverside Vets' })).id);
    downtownId = String((await call(admin.request, 'POST', `/api/v1/orgs/${orgId}/resources`, { kind: 'location', name: 'Downtown' })).id);
  });

  it('imports people from a CSV file with progress, reporting bad lines by their line in the file', async () => {
    // 599 rows (and a blank line) go in two requests, 500 + 99: the second is held so the
    // progress can be seen half-way. A bad line sits in each part, one of them below the blank.
    const lines = ['firstName,lastName,email,title'];
    for (let i = 1; i <= 600; i++) lines.push(`Person${String(i)},Imported,p${String(i)}@import.e2e.test,Nurse`);
    // lines[n - 1] is line n of the file.
    lines[299] = '';
    lines[399] = 'Bad,Address,not-an-email,';
    lines[549] = 'Carla,Clerk,carla@e2e.test,Receptionist';
    lines[550] = 'Carla,Again,carla@e2e.test,';
    const csv = `${lines.join('\n')}\n`;

    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let requests = 0;
    await page.route('**/people/import', async (route) => {
      requests += 1;
      if (requests === 2) await held;
      await route.continue();
    });

    await page.goto(`${org()}/people`);
    await page.getByRole('button', { name: 'Import CSV' }).click();
    await page.getByLabel('CSV file').setInputFiles({ name: 'staff.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Progress: 500 of 599 rows').waitFor();
    expect(await page.locator('#import-progress').getAttribute('value')).toBe('500');
    expect(await page.getByRole('button', { name: 'Importing…' }).isDisabled()).toBe(true);
    await screenshot(page, '31-import-progress');
    release();
    const result = page.getByTestId('import-result');
    await result.waitFor();
    await page.unroute('**/people/import');
    expect(await page.getByText('Progress: 599 of 599 rows').count()).toBe(1);
    await expect.poll(() => result.getByRole('status').textContent()).toContain('597 created, 0 updated, 2 lines with errors.');
    await expect.poll(() => result.locator('tbody tr').allTextContents()).toEqual([
      '400"not-an-email" is not a valid email address',
      '551carla@e2e.test already appears on line 550',
    ]);
    await screenshot(page, '32-import-result');

    // The people table was reloaded with the imported people; the server has them.
    await page.getByLabel('Search people').fill('carla');
    await row(page.getByTestId('people-table'), 'carla@e2e.test').waitFor();
    const carla = await items('/people?q=carla');
    expect(carla.map((p) => [p.email, p.title])).toEqual([['carla@e2e.test', 'Receptionist']]);
    expect(await items('/people?q=not-an-email')).toEqual([]);
    expect((await items('/people?q=p600@import.e2e.test')).length).toBe(1);
  });

  it('invites many pasted addresses with per-address results, then revokes a selection; a resend too soon is explained', async () => {
    await page.goto(`${org()}/invitations`);
    await page.getByRole('button', { name: 'Invite people' }).click();
    await page.getByLabel('Email addresses').fill('eve@e2e.test, fay@e2e.test\ngus@e2e.test; hugo@e2e.test\nnot-an-address');
    await page.getByText('Not valid: not-an-address').waitFor();
    await page.getByLabel('Role').selectOption('viewer');
    await page.getByLabel('Access to').selectOption({ label: 'Downtown' });
    await page.getByRole('button', { name: /^Invite 5/ }).click();
    const results = page.getByTestId('bulk-results');
    await results.waitFor();
    expect(await page.getByText('Progress: 5 of 5').count()).toBe(1);
    await expect.poll(() => results.getByRole('status').textContent()).toContain('4 invited, 1 not.');
    await expect.poll(() => row(results, 'eve@e2e.test').textContent()).toContain('Invited');
    await expect.poll(() => row(results, 'not-an-address').textContent()).toBe('not-an-addressThis is not a valid email address.');
    await screenshot(page, '33-bulk-invite');

    // The same address again: the pending invitation stands and no second email goes.
    await page.getByLabel('Email addresses').fill('eve@e2e.test');
    await page.getByRole('button', { name: /^Invite 1/ }).click();
    await page.getByText('0 invited, 0 not. 1 already had a pending invitation (no new email).').waitFor();
    await expect.poll(() => row(results, 'eve@e2e.test').textContent()).toContain('Already invited');

    const list = page.getByTestId('invitations-table');
    for (const email of ['eve', 'fay', 'gus', 'hugo']) await row(list, `${email}@e2e.test`).waitFor();
    const invited = await items(`/invitations?resourceId=${downtownId}`);
    expect(invited.map((i) => [i.email, i.role]).sort()).toEqual([
      ['eve@e2e.test', 'viewer'],
      ['fay@e2e.test', 'viewer'],
      ['gus@e2e.test', 'viewer'],
      ['hugo@e2e.test', 'viewer'],
    ]);

    // Resending at once is refused per invitation, and each refusal says why.
    const selection = page.getByRole('region', { name: 'Selected invitations' });
    await page.getByLabel('Select eve@e2e.test').check();
    await page.getByLabel('Select fay@e2e.test').check();
    await selection.getByRole('button', { name: 'Resend' }).click();
    await page.getByText('Resending: 2 of 2').waitFor();
    await page.getByText('eve@e2e.test: This invitation was just sent. Wait a minute before resending.').waitFor();

    // (The same resend a minute later is in the webhook test, which restarts the server anyway.)
    await page.getByLabel('Select eve@e2e.test').uncheck();
    await page.getByLabel('Select fay@e2e.test').uncheck();

    await page.getByLabel('Select gus@e2e.test').check();
    await page.getByLabel('Select hugo@e2e.test').check();
    await selection.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Revoking: 2 of 2').waitFor();
    await row(list, 'gus@e2e.test').locator('[data-status="revoked"]').waitFor();
    await row(list, 'hugo@e2e.test').locator('[data-status="revoked"]').waitFor();
    expect(await row(list, 'eve@e2e.test').locator('[data-status="revoked"]').count()).toBe(0);
    await screenshot(page, '34-bulk-revoked');
    const statuses: Json = Object.fromEntries((await items(`/invitations?resourceId=${downtownId}`)).map((i) => [String(i.email), i.status]));
    expect([statuses['gus@e2e.test'], statuses['hugo@e2e.test']]).toEqual(['revoked', 'revoked']);
    expect([statuses['eve@e2e.test'], statuses['fay@e2e.test']]).not.toContain('revoked');

    // Revoking what is already revoked is explained, not attempted.
    await page.getByLabel('Select gus@e2e.test').check();
    await selection.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('None of the selected invitations can be revoked').waitFor();
  });

  it('edits a pending invitation from the person panel, and an email correction sends a new link', async () => {
    const carla = (await items('/people?q=carla'))[0];
    await page.goto(`${org()}/people/${String(carla?.id)}`);
    const panel = page.getByTestId('invitation-panel');
    await panel.getByRole('button', { name: 'Invite Carla' }).click();
    await panel.getByLabel('Role').selectOption('member');
    await panel.getByRole('button', { name: 'Send invitation' }).click();
    await panel.getByText('Invitation sent to carla@e2e.test').waitFor();
    const firstLink = await linkFromMailbox(page, 'carla@e2e.test');

    // An expiry in the past is refused beside the field, and nothing changes.
    await panel.getByRole('button', { name: 'Edit', exact: true }).click();
    await panel.getByLabel('Role').selectOption('viewer');
    await panel.getByLabel('Expires').fill(localInput(new Date(Date.now() - 86_400_000)));
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.locator('#ed-expires-error').waitFor();
    expect(await panel.locator('#ed-expires').getAttribute('aria-invalid')).toBe('true');
    const id = String(carla?.latestInvitationId ?? (await items('/invitations?email=carla@e2e.test'))[0]?.id);
    expect((await get(`/invitations/${id}`)).role).toBe('member');

    const expires = new Date(Date.now() + 10 * 86_400_000);
    await panel.getByLabel('Expires').fill(localInput(expires));
    await panel.getByLabel('Access to').selectOption({ label: 'Downtown' });
    await panel.getByLabel('Message').fill('Welcome to the front desk.');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Saved. The link in the email still works.').waitFor();
    await panel.getByTestId('timeline').getByText('Invitation edited').waitFor();
    await expect.poll(() => panel.locator('dl.facts').textContent()).toMatch(/RoleViewer.*Access toDowntown/);
    const edited = await get(`/invitations/${id}`);
    expect([edited.role, edited.resourceId, edited.message]).toEqual(['viewer', downtownId, 'Welcome to the front desk.']);
    expect(Math.abs(Date.parse(String(edited.expiresAt)) - expires.getTime())).toBeLessThan(60_000);
    await screenshot(page, '35-invitation-edited');

    const guest = await browser.newContext({ baseURL: server.url });
    const guestPage = await guest.newPage();
    await guestPage.goto(firstLink);
    await guestPage.locator('[data-view="register"]').waitFor();

    // Correcting the address rotates the token: a new email to the new address, the old link dead.
    await panel.getByRole('button', { name: 'Edit', exact: true }).click();
    await panel.getByLabel('Email').fill('carla.clerk@e2e.test');
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Saved, and sent to the corrected address with a new link.').waitFor();
    await panel.getByText('to carla.clerk@e2e.test').waitFor();
    const newLink = await linkFromMailbox(page, 'carla.clerk@e2e.test');
    expect(newLink).not.toBe(firstLink);
    expect((await get(`/invitations/${id}`)).email).toBe('carla.clerk@e2e.test');
    await guestPage.goto(firstLink);
    await guestPage.locator('[data-view="invalid"]').waitFor();
    await guestPage.goto(newLink);
    await guestPage.locator('[data-view="register"]').waitFor();
    await expect.poll(() => guestPage.getByLabel('Email').inputValue()).toBe('carla.clerk@e2e.test');
    await guest.close();
  });

  /** Invites `email` through the API and registers the invitee through the invitee API. */
  async function member(email: string, first: string, resourceId: string | null): Promise<void> {
    await call(admin.request, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email, role: 'member', ...(resourceId === null ? {} : { resourceId }) }, 201);
    const token = (await linkFromMailbox(page, email)).split('/invite/')[1];
    const res = await fetch(`${server.url}/api/v1/invitations/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, firstName: first, lastName: 'Member', password: 'member password 1', acceptTerms: true }),
    });
    expect(res.status).toBe(201);
  }

  it('changes a member’s role and removes members, org-wide and on one location', async () => {
    await member('hal@e2e.test', 'Hal', null);
    await member('ivy@e2e.test', 'Ivy', downtownId);
    await page.goto(`${org()}/access`);
    const table = page.getByTestId('access-table');
    await table.locator('tr[data-email="hal@e2e.test"]').waitFor();

    await page.getByLabel('Role of hal@e2e.test').selectOption('viewer');
    await page.getByText('Hal Member is now Viewer.').waitFor();
    const role = async (email: string, resourceId: string | null) =>
      ((await get(`/access${resourceId === null ? '' : `?resourceId=${resourceId}`}`)).items as { user: { email: string }; role: string; resourceId: string | null }[])
        .filter((i) => i.user.email === email && i.resourceId === resourceId)
        .map((i) => i.role);
    expect(await role('hal@e2e.test', null)).toEqual(['viewer']);

    // The last owner cannot step down: the API's refusal is shown in words.
    await page.getByLabel(`Role of ${ADMIN.email}`).selectOption('admin');
    await page.getByRole('alert').getByText('An organization must keep at least one owner.').waitFor();
    expect(await role(ADMIN.email, null)).toEqual(['owner']);
    await expect.poll(() => page.getByLabel(`Role of ${ADMIN.email}`).inputValue()).toBe('owner');

    const hal = table.locator('tr[data-email="hal@e2e.test"]');
    await hal.getByRole('button', { name: 'Remove' }).click();
    await hal.getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByText('Hal Member no longer has this access.').waitFor();
    await hal.waitFor({ state: 'detached' });
    expect(await role('hal@e2e.test', null)).toEqual([]);
    await screenshot(page, '36-access-org');

    await page.getByLabel('Show access to').selectOption({ label: 'Downtown (location)' });
    const ivy = table.locator('tr[data-email="ivy@e2e.test"]');
    await ivy.waitFor();
    const owner = table.locator(`tr[data-email="${ADMIN.email}"]`);
    await expect.poll(() => owner.textContent()).toContain('inherited');
    expect(await owner.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    await ivy.getByRole('button', { name: 'Remove' }).click();
    await ivy.getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByText('Ivy Member no longer has this access.').waitFor();
    await ivy.waitFor({ state: 'detached' });
    expect(await role('ivy@e2e.test', downtownId)).toEqual([]);
    await screenshot(page, '37-access-location');
  });

  it('creates a custom role, invites with it, edits it, and deletes it once nobody uses it', async () => {
    await page.goto(`${org()}/roles`);
    await page.getByLabel('Name', { exact: true }).fill('Front desk');
    await expect.poll(() => page.getByLabel('Key', { exact: true }).inputValue()).toBe('front_desk');
    await page.getByLabel('See the directory').check();
    await page.getByLabel('See invitations').check();
    await page.getByLabel('Your application’s permissions (optional)').fill('appointments:read');
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.getByText('Role “Front desk” created.').waitFor();
    const roles = page.getByTestId('roles-table');
    await roles.locator('tr[data-role="front_desk"]').waitFor();
    const frontDesk = async () => ((await get('/roles')).items as Json[]).find((r) => r.key === 'front_desk');
    expect((await frontDesk())?.permissions).toEqual(['people:read', 'invitations:read', 'appointments:read']);

    // The same key again is refused beside the Key field.
    await page.getByLabel('Name', { exact: true }).fill('Front desk');
    await page.getByRole('button', { name: 'Create role' }).click();
    await page.locator('#role-key-error').getByText('A role with this key already exists.').waitFor();

    // Used in an invitation from a person's panel.
    const person = (await items('/people?q=p1@import.e2e.test'))[0];
    await page.goto(`${org()}/people/${String(person?.id)}`);
    const panel = page.getByTestId('invitation-panel');
    await panel.getByRole('button', { name: 'Invite Person1' }).click();
    await panel.getByLabel('Role').selectOption({ label: 'Front desk' });
    await panel.getByRole('button', { name: 'Send invitation' }).click();
    await panel.getByText('Invitation sent to p1@import.e2e.test').waitFor();
    await expect.poll(() => panel.locator('dl.facts').textContent()).toContain('Front desk');
    const invitation = (await items('/invitations?email=p1@import.e2e.test'))[0];
    expect(invitation?.role).toBe('front_desk');

    await page.goto(`${org()}/roles`);
    await page.getByRole('button', { name: 'Edit Front desk' }).click();
    expect(await page.getByLabel('Key', { exact: true }).getAttribute('readonly')).not.toBeNull();
    await page.getByLabel('Name', { exact: true }).fill('Reception');
    await page.getByLabel('See invitations').uncheck();
    await page.getByRole('button', { name: 'Save role' }).click();
    await page.getByText('Role “Reception” saved.').waitFor();
    await expect.poll(() => roles.locator('tr[data-role="front_desk"]').textContent()).toContain('Reception');
    expect(await frontDesk()).toMatchObject({ name: 'Reception', permissions: ['people:read', 'appointments:read'] });

    // In use by a pending invitation: the refusal is explained and the role stays.
    await page.getByRole('button', { name: 'Delete Reception' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('alert').getByText('This role is still held by someone or offered in a pending invitation.').waitFor();
    await screenshot(page, '38-roles-in-use');
    expect(await frontDesk()).toBeDefined();

    await call(admin.request, 'POST', `/api/v1/orgs/${orgId}/invitations/${String(invitation?.id)}/revoke`);
    await page.getByRole('button', { name: 'Delete Reception' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByText('Role “Reception” deleted.').waitFor();
    await roles.locator('tr[data-role="front_desk"]').waitFor({ state: 'detached' });
    expect(await frontDesk()).toBeUndefined();
  });

  it('changes the settings; a bad value is explained beside its field and saves nothing', async () => {
    await page.goto(`${org()}/settings`);
    const ttl = page.getByLabel('Invitations are valid for (days)');
    const reminder = page.getByLabel('Reminder before expiry (days)');
    await ttl.fill('120');
    await page.getByLabel('Sender name').fill('Riverside Access');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#s-ttl-error').waitFor();
    await expect.poll(() => page.locator('#s-ttl-error').textContent()).toMatch(/90/);
    await screenshot(page, '39-settings-invalid');
    const before = (await get('')).settings as Json;
    expect([before.invitationTtlDays, before.senderName]).toEqual([30, null]);

    await ttl.fill('14');
    await reminder.fill('20');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('#s-remind-error').waitFor();
    await expect.poll(() => page.locator('#s-remind-error').textContent()).toMatch(/lifetime|valid for/i);
    expect(((await get('')).settings as Json).invitationTtlDays).toBe(30);

    await reminder.fill('3');
    await page.getByLabel('Reply-to address').fill('desk@riverside.test');
    await page.getByLabel('Track when invitation emails are opened').uncheck();
    await page.getByLabel('Send a new link at once when an invitee with an expired link asks for one').check();
    await page.getByLabel('Invitations per hour, at most').fill('200');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    expect(await page.locator('.field .error').count()).toBe(0);
    expect((await get('')).settings).toEqual({
      invitationTtlDays: 14,
      openTracking: false,
      reminderDaysBeforeExpiry: 3,
      senderName: 'Riverside Access',
      replyTo: 'desk@riverside.test',
      invitationsPerHour: 200,
      autoRenew: true,
      defaultAppId: null,
      defaultReturnTo: null,
      logoUrl: null,
      logoImage: null,
      brandColor: null,
      termsUrl: null,
    });
    await page.reload();
    await expect.poll(() => ttl.inputValue()).toBe('14');
    await expect.poll(() => page.getByLabel('Track when invitation emails are opened').isChecked()).toBe(false);
    await screenshot(page, '40-settings-saved');

    // The next invitation lives 14 days and its email has no tracking pixel.
    const created = await call(admin.request, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email: 'kim@e2e.test', role: 'member' }, 201);
    expect(Math.abs(Date.parse(String(created.expiresAt)) - Date.now() - 14 * 86_400_000)).toBeLessThan(120_000);
    await linkFromMailbox(page, 'kim@e2e.test');
    const mail = ((await call(admin.request, 'GET', '/api/v1/dev/mailbox?to=kim@e2e.test')).items as Json[])[0];
    expect(String(mail?.html)).not.toContain('/t/');
    await page.goto('/mailbox');
    await page.getByLabel('Recipient').fill('kim@e2e.test');
    await expect.poll(() => page.getByTestId('mail-list').locator('tbody tr').count()).toBe(1);
    await page.getByTestId('mail-list').getByRole('button').first().click();
    const headers = String(await page.getByTestId('mail-headers').textContent());
    expect(headers).toContain('FromRiverside Access <no-reply@localhost>');
    expect(headers).toContain('Reply-Todesk@riverside.test');
  });

  it('creates an API key whose secret is shown once, and revokes it', async () => {
    await page.goto(`${org()}/api-keys`);
    await page.getByText('No API keys yet').waitFor();
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('#key-name-error').waitFor();

    await page.getByLabel('Name').fill('Clinic portal');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secretCard = page.getByTestId('new-secret');
    await secretCard.getByText('it is shown only once').waitFor();
    const secret = String(await secretCard.locator('code.secret').textContent()).trim();
    expect(secret.length).toBeGreaterThan(20);
    await screenshot(page, '41-api-key-created');
    const asKey = (path: string) => fetch(`${server.url}/api/v1/orgs/${orgId}${path}`, { headers: { authorization: `Bearer ${secret}` } });
    expect((await asKey('/invitations')).status).toBe(200);

    await secretCard.getByRole('button', { name: 'I have stored it' }).click();
    await page.reload();
    const keyRow = row(page.locator('table.list'), 'Clinic portal');
    await keyRow.waitFor();
    expect(await page.content()).not.toContain(secret);

    await keyRow.getByRole('button', { name: 'Revoke' }).click();
    await keyRow.getByRole('button', { name: 'Yes, revoke' }).click();
    await keyRow.getByText('revoked').waitFor();
    expect((await asKey('/invitations')).status).toBe(401);
  });

  it('refuses a webhook to a private address; allowed by the config, a webhook hears of a bulk resend a minute later', async () => {
    await page.goto(`${org()}/webhooks`);
    await page.getByLabel('URL').fill('https://127.0.0.1/hooks/gatehouse');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.locator('#wh-url-error').getByText('127.0.0.1 is a loopback, private or reserved address').waitFor();
    await page.getByRole('alert').getByText('Webhook URLs must be http(s) and not point at a private address.').first().waitFor();
    await screenshot(page, '42-webhook-refused');
    expect(await items('/webhooks')).toEqual([]);

    // A receiver on this machine, allowed by WEBHOOK_ALLOW_PRIVATE (an on-premise receiver).
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver: HttpServer = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      // Restarted with the setting on; the stopped database also moves eve's and fay's last
      // email a minute back, past the resend cooldown the bulk test ran into.
      server.extraEnv = { ...server.extraEnv, WEBHOOK_ALLOW_PRIVATE: 'true' };
      await server.withStoppedDatabase(async (db) => {
        await db
          .updateTable('invitations')
          .set({ token_issued_at: new Date(Date.now() - 120_000) })
          .where('email', 'in', ['eve@e2e.test', 'fay@e2e.test'])
          .execute();
      });
      const url = `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}/hooks/gatehouse`;
      await page.reload();
      await page.getByLabel('URL').fill(url);
      await page.getByLabel('All events').uncheck();
      await page.getByLabel('invitation.resent').check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secret = String(await page.getByTestId('new-secret').locator('code.secret').textContent()).trim();
      expect(secret).toMatch(/^whsec_/);
      await page.getByText(url).waitFor();
      const hook = (await items('/webhooks'))[0];
      expect(hook?.events).toEqual(['invitation.resent']);

      await page.goto(`${org()}/invitations`);
      const selection = page.getByRole('region', { name: 'Selected invitations' });
      await page.getByLabel('Select eve@e2e.test').check();
      await page.getByLabel('Select fay@e2e.test').check();
      await selection.getByRole('button', { name: 'Resend' }).click();
      await page.getByText('Resending: 2 of 2').waitFor();
      expect(await page.locator('.error-text li').count()).toBe(0);
      for (const email of ['eve@e2e.test', 'fay@e2e.test']) {
        expect((await items(`/invitations?email=${email}`))[0]?.resendCount).toBe(1);
        await linkFromMailbox(page, email, 2);
      }

      await expect.poll(() => received.length, { timeout: 20_000 }).toBe(2);
      for (const delivery of received) {
        expect(JSON.parse(delivery.body)).toMatchObject({ type: 'invitation.resent' });
        expect(() => new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>)).not.toThrow();
      }
      await expect
        .poll(async () => (await items(`/webhooks/${String(hook?.id)}/deliveries`)).filter((d) => d.status === 'sent').length, { timeout: 20_000 })
        .toBe(2);
      await page.goto(`${org()}/webhooks`);
      await page.getByRole('button', { name: 'Delivery log' }).click();
      const log = page.locator('table.list').filter({ hasText: 'invitation.resent' });
      await expect.poll(() => row(log, 'invitation.resent').count()).toBe(2);
      await expect.poll(() => row(log, 'invitation.resent').first().textContent()).toMatch(/sent.*200/);
      await screenshot(page, '43-webhook-deliveries');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 150_000);

  it('shows what happened in the audit log and the emails in the mailbox', async () => {
    await page.goto(`${org()}/audit`);
    const audit = page.getByTestId('audit-list');
    await audit.waitFor();
    // Sentences (docs/rules.md R67): who did what to whom.
    for (const words of [' changed the role of ', ' removed the access of ', ' revoked the invitation of ', ' edited the invitation of ', ' resent the invitation to ', ' joined as ']) {
      await audit.locator('li').filter({ hasText: words }).first().waitFor();
    }
    await page.getByLabel('Event type').selectOption({ label: 'Access removed' });
    await expect.poll(() => audit.locator('li').count()).toBe(2);
    // Newest first: whose access went, who removed it, and where, in words.
    const [ivy, hal] = await audit.locator('li').allTextContents();
    expect(ivy).toMatch(/^Ada Admin removed the access of Ivy Member at Downtown · /);
    expect(hal).toMatch(/^Ada Admin removed the access of Hal Member · /);
    await screenshot(page, '44-audit-filtered');
    const removed = await items('/events?type=membership.removed');
    expect(removed.length).toBe(2);

    await page.goto('/mailbox');
    await page.getByTestId('mail-list').waitFor();
    await page.getByLabel('Recipient').fill('carla.clerk@e2e.test');
    const list = page.getByTestId('mail-list');
    await expect.poll(() => list.locator('tbody tr').count()).toBe(1);
    await list.getByRole('button').first().click();
    const view = page.getByTestId('mail-view');
    expect(await view.getByTestId('mail-link').first().getAttribute('href')).toMatch(/\/invite\/[A-Za-z0-9_-]+$/);
    await expect.poll(() => view.textContent()).toContain('Riverside Vets');
    // The HTML part renders in its sandboxed frame; the text part is one click away.
    await view.frameLocator('iframe.mail').getByText('Riverside Vets').filter({ visible: true }).first().waitFor();
    await screenshot(page, '45-mailbox');
    await view.getByRole('tab', { name: 'Text' }).click();
    await expect.poll(() => view.locator('pre.mailtext').textContent()).toContain('/invite/');
    await page.getByLabel('Recipient').fill('eve@e2e.test');
    await expect.poll(() => list.locator('tbody tr').count()).toBe(2);
  });

  const sam = { first: 'Sam', last: 'Signup', email: 'sam@e2e.test', password: 'sam password 1', newPassword: 'sam password 2' };

  it('verifies a sign-up from the emailed link', async () => {
    const res = await fetch(`${server.url}/api/v1/auth/sign-up`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: sam.email, password: sam.password, firstName: sam.first, lastName: sam.last }),
    });
    expect(res.status).toBe(202);
    const link = await mailLink(page, sam.email, 'verify-email');

    const { context, page: samPage } = await guest();
    await samPage.goto(link);
    await samPage.waitForURL((url) => url.pathname === '/verify-email');
    await screenshot(samPage, '46-verify-email');
    // The visit alone verifies nothing (mail scanners follow links): the button does.
    const before = await samPage.request.get('/api/v1/me');
    expect(before.status()).toBe(401);
    await samPage.getByLabel('Password').fill(sam.password);
    await samPage.getByRole('button', { name: 'Verify my email' }).click();
    await samPage.waitForURL('**/orgs');
    await expect.poll(() => samPage.getByTestId('signed-in-as').textContent()).toContain(sam.email);
    const me = (await (await samPage.request.get('/api/v1/me')).json()) as { user: { emailVerifiedAt: string | null; status: string } };
    expect(me.user.status).toBe('active');
    expect(me.user.emailVerifiedAt).not.toBeNull();
    await context.close();
  });

  it('resets a forgotten password from the emailed link and signs in with the new one', async () => {
    const { context, page: samPage } = await guest();
    await samPage.goto('/sign-in');
    await samPage.getByRole('link', { name: 'Forgot your password?' }).click();
    await samPage.waitForURL('**/forgot-password');
    await samPage.getByLabel('Email').fill(sam.email);
    await samPage.getByRole('button', { name: 'Send reset link' }).click();
    await samPage.getByText(`If an account exists for ${sam.email}`).waitFor();
    await screenshot(samPage, '47-forgot-password');

    const link = await mailLink(page, sam.email, 'reset-password');
    await samPage.goto(link);
    await samPage.waitForURL((url) => url.pathname === '/reset-password');
    await samPage.getByLabel('New password', { exact: true }).fill(sam.newPassword);
    await samPage.getByLabel('New password again').fill('something else');
    await samPage.getByRole('button', { name: 'Set password' }).click();
    await samPage.getByText('The two passwords are not the same.').waitFor();
    await samPage.getByLabel('New password', { exact: true }).fill('short');
    await samPage.getByLabel('New password again').fill('short');
    await samPage.getByRole('button', { name: 'Set password' }).click();
    await samPage.locator('#password-error').waitFor();
    await samPage.getByLabel('New password', { exact: true }).fill(sam.newPassword);
    await samPage.getByLabel('New password again').fill(sam.newPassword);
    await samPage.getByRole('button', { name: 'Set password' }).click();
    await samPage.getByText('Your password has been changed.').waitFor();
    await screenshot(samPage, '48-password-changed');

    await samPage.getByRole('link', { name: 'Sign in' }).click();
    await samPage.waitForURL('**/sign-in');
    await samPage.getByLabel('Email').fill(sam.email);
    await samPage.getByLabel('Password').fill(sam.password);
    await samPage.getByRole('button', { name: 'Sign in' }).click();
    await samPage.getByText('That email and password do not match an account.').waitFor();
    await samPage.getByLabel('Password').fill(sam.newPassword);
    await samPage.getByRole('button', { name: 'Sign in' }).click();
    await samPage.waitForURL('**/orgs');
    await expect.poll(() => samPage.getByTestId('signed-in-as').textContent()).toContain(sam.email);

    // The link worked once.
    await samPage.goto(link);
    await samPage.getByLabel('New password', { exact: true }).fill('sam password 3');
    await samPage.getByLabel('New password again').fill('sam password 3');
    await samPage.getByRole('button', { name: 'Set password' }).click();
    await samPage.getByRole('alert').getByText('This link is not valid or has expired.').waitFor();
    await context.close();
  });
});

/** A datetime-local input's value for `date` in the browser's (this machine's) time zone. */
function localInput(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}
