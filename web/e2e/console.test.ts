/**
 * The console and the invitee pages in a real browser against a real server (dev mailbox):
 * the whole invite → email → register path, an existing account's accept, a mismatched account,
 * an expired link's renewal, and a revoke that kills the link. Each main page is photographed
 * into test-results/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, browserAvailable, expectNoHorizontalOverflow, launchBrowser, linkFromMailbox, screenshot, Server, signIn } from './harness.js';

const enabled = browserAvailable();

describe.runIf(enabled)('console in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let orgUrl = '';
  const nora = { first: 'Nora', last: 'Nurse', email: 'nora@e2e.test', password: 'nora password 1' };

  beforeAll(async () => {
    server = await Server.create();
    await server.cli(['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--first', ADMIN.firstName, '--last', ADMIN.lastName]);
    await server.start();
    browser = await launchBrowser();
    admin = await browser.newContext({ baseURL: server.url });
    page = await admin.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  async function invitee(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL: server.url });
    return { context, page: await context.newPage() };
  }

  it('signs the admin in and creates an organization with a location', async () => {
    await page.goto('/');
    await page.waitForURL('**/sign-in**');
    await screenshot(page, '01-sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('do not match');

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/orgs');
    await page.getByText('You are not in any organization yet').waitFor();
    await page.getByLabel('Name').fill('Riverside Vets');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    orgUrl = new URL(page.url()).pathname;

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Name', { exact: true }).last().fill('Downtown');
    await page.getByRole('button', { name: 'Add location' }).click();
    await page.getByRole('link', { name: 'Downtown' }).waitFor();
    await screenshot(page, '02-settings');
  });

  it('adds a person, invites them, and the invitee registers from the emailed link', async () => {
    await page.goto(`${orgUrl}/people`);
    await page.getByText('No people yet').waitFor();
    await screenshot(page, '03-people-empty');
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByLabel('First name').fill(nora.first);
    await page.getByLabel('Last name').fill(nora.last);
    await page.getByLabel('Email').fill(nora.email);
    await page.getByLabel('Title (optional)').fill('Veterinary nurse');
    await page.getByRole('button', { name: 'Add person' }).last().click();
    await page.waitForURL(/\/people\/[0-9a-f-]{36}$/);
    const personUrl = new URL(page.url()).pathname;
    await page.getByRole('button', { name: `Invite ${nora.first}` }).click();
    await page.getByLabel('Role').selectOption('member');
    await page.getByLabel('Access to').selectOption({ label: 'Downtown' });
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${nora.email}`).waitFor();
    await page.getByTestId('timeline').getByText('Invitation created').waitFor();
    await screenshot(page, '04-person-invited');

    const link = await linkFromMailbox(page, nora.email);
    const { context, page: guest } = await invitee();
    await guest.goto(link);
    // The token leaves the address bar as soon as the page has read it.
    await guest.waitForURL((url) => url.pathname === '/invite');
    await guest.locator('[data-view="register"]').waitFor();
    await expect.poll(() => guest.getByLabel('First name').inputValue()).toBe(nora.first);
    await expect.poll(() => guest.getByLabel('Email').inputValue()).toBe(nora.email);
    expect(await guest.getByLabel('Email').getAttribute('readonly')).not.toBeNull();
    await screenshot(guest, '05-invite-register');

    await guest.getByLabel('Password').fill('short');
    await guest.getByLabel('I accept the terms of use.').check();
    await guest.getByRole('button', { name: 'Create account and accept' }).click();
    await guest.locator('.field .error').first().waitFor();
    await guest.getByLabel('Password').fill(nora.password);
    await guest.getByRole('button', { name: 'Create account and accept' }).click();
    await guest.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    await guest.getByTestId('my-access').getByText('Member').waitFor();
    await screenshot(guest, '06-invitee-landed');
    await context.close();

    await page.goto(personUrl);
    await page.locator('[data-testid="person-status"][data-status="registered"]').waitFor();
    await page.goto(`${orgUrl}/access`);
    await page.locator(`[data-testid="access-table"] tr[data-email="${nora.email}"]`).waitFor();
    await screenshot(page, '07-access');
  });

  it('an existing account signs in and accepts a second invitation', async () => {
    await page.goto(`${orgUrl}/invitations`);
    await page.getByRole('button', { name: 'Invite people' }).click();
    await page.getByLabel('Email addresses').fill(`${nora.email}\nomar@e2e.test`);
    // Nora holds Downtown; this one is for the whole organization, as admin.
    await page.getByLabel('Role').selectOption('admin');
    await page.getByLabel('Access to').selectOption({ label: 'Whole organization' });
    await page.getByRole('button', { name: /^Invite 2/ }).click();
    await page.getByTestId('bulk-results').waitFor();
    await expect.poll(() => page.getByTestId('bulk-results').textContent()).toContain('2 invited, 0 not.');
    await screenshot(page, '08-invitations');

    // Two emails have gone to Nora now; the newest is the second invitation's.
    const link = await linkFromMailbox(page, nora.email, 2);
    const { context, page: guest } = await invitee();
    await guest.goto(link);
    await guest.locator('[data-view="sign-in"]').waitFor();
    await expect.poll(() => guest.getByLabel('Email').inputValue()).toBe(nora.email);
    await screenshot(guest, '09-invite-sign-in');
    await guest.getByLabel('Password').fill(nora.password);
    await guest.getByRole('button', { name: 'Sign in and accept' }).click();
    await guest.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    await guest.getByTestId('my-access').getByText('in the whole organization').waitFor();
    await context.close();
  });

  let omarLink = '';
  it('a different signed-in account sees both addresses and can sign out and continue', async () => {
    omarLink = await linkFromMailbox(page, 'omar@e2e.test');
    const { context, page: guest } = await invitee();
    await signIn(guest, nora.email, nora.password);
    await guest.goto(omarLink);
    await guest.locator('[data-view="mismatch"]').waitFor();
    await expect.poll(() => guest.getByTestId('invited-email').textContent()).toBe('omar@e2e.test');
    await expect.poll(() => guest.getByTestId('signed-in-email').textContent()).toBe(nora.email);
    await screenshot(guest, '10-invite-mismatch');
    await guest.getByRole('button', { name: 'Sign out and continue' }).click();
    await guest.locator('[data-view="register"]').waitFor();
    await context.close();
  });

  it('an expired link offers to ask for a new invitation', async () => {
    await server.withStoppedDatabase(async (db) => {
      await db
        .updateTable('invitations')
        .set({ expires_at: new Date(Date.now() - 86_400_000) })
        .where('email', '=', 'omar@e2e.test')
        .execute();
    });
    const { context, page: guest } = await invitee();
    await guest.goto(omarLink);
    await guest.locator('[data-view="expired"]').waitFor();
    await screenshot(guest, '11-invite-expired');
    await guest.getByRole('button', { name: 'Ask for a new invitation' }).click();
    await guest.locator('[data-view="renewed"]').waitFor();
    await context.close();
  });

  it('revoking from the person panel kills the link', async () => {
    await page.goto(`${orgUrl}/people`);
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.getByLabel('First name').fill('Pia');
    await page.getByLabel('Last name').fill('Pharmacist');
    await page.getByLabel('Email').fill('pia@e2e.test');
    await page.getByRole('button', { name: 'Add person' }).last().click();
    await page.waitForURL(/\/people\/[0-9a-f-]{36}$/);
    await page.getByRole('button', { name: 'Invite Pia' }).click();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Invitation sent to pia@e2e.test').waitFor();
    const link = await linkFromMailbox(page, 'pia@e2e.test');

    await page.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.getByText('Revoked: the link no longer works.').waitFor();
    await page.locator('[data-testid="invitation-panel"] [data-status="revoked"]').waitFor();
    await screenshot(page, '12-person-revoked');

    const { context, page: guest } = await invitee();
    await guest.goto(link);
    await guest.locator('[data-view="revoked"]').waitFor();
    await guest.getByRole('link', { name: 'Sign in' }).waitFor();
    await screenshot(guest, '13-invite-revoked');
    await context.close();
  });

  it('shows the other console pages', async () => {
    for (const [path, name, heading, ready] of [
      ['people', '14-people', 'People', '[data-testid="people-table"]'],
      ['roles', '15-roles', 'Roles', '[data-testid="roles-table"]'],
      ['audit', '16-audit', 'Audit log', '[data-testid="audit-list"]'],
      ['api-keys', '17-api-keys', 'API keys', 'h1'],
      ['webhooks', '18-webhooks', 'Webhooks', 'h1'],
    ] as const) {
      await page.goto(`${orgUrl}/${path}`);
      await page.locator(ready).first().waitFor();
      expect(await page.getByRole('heading', { level: 1, name: heading }).isVisible()).toBe(true);
      expect(await page.locator(ready).first().isVisible()).toBe(true);
      await screenshot(page, name);
    }
    // The people table lists the person added above.
    await page.goto(`${orgUrl}/people`);
    await page.getByTestId('people-table').getByRole('link', { name: `${nora.first} ${nora.last}` }).waitFor();
    await page.goto('/mailbox');
    await page.getByTestId('mail-list').waitFor();
    await page.getByTestId('mail-list').getByRole('button').first().click();
    await page.getByTestId('mail-view').waitFor();
    expect(await page.getByTestId('mail-view').isVisible()).toBe(true);
    await screenshot(page, '19-mailbox');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${orgUrl}/people`);
    await page.getByTestId('people-table').waitFor();
    expect(await page.getByRole('heading', { level: 1, name: 'People' }).isVisible()).toBe(true);
    await expectNoHorizontalOverflow(page);
    await screenshot(page, '20-people-phone');
  });
});
