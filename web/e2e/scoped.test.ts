/**
 * Two people the console used to leave out, in a real browser against a real server:
 *  - the admin of one location (the demo's clinic lead, loaded by `gatehouse demo`): sees only
 *    their location's people, invitations and access, invites someone there, and is not offered
 *    the organization's own pages;
 *  - a visitor on an instance with ALLOW_SIGNUP=true: signs up, gets the verification email in
 *    the dev mailbox, verifies, and lands signed in.
 * Screenshots of each new page go to test-results/ (scoped-*, signup-*).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/events/event.types.js';
import { accountLinkFromMailbox, ADMIN, browserAvailable, expectNoHorizontalOverflow, launchBrowser, linkFromMailbox, screenshot, Server, signIn } from './harness.js';

const enabled = browserAvailable();
const PASSWORD = 'gatehouse-demo';
const OWNER = 'admin@riverside.example';
const LEAD = 'tomas.garcia@riverside.example';
const HARBOR = 'Harbor Animal Hospital';

describe.runIf(enabled)('the admin of one location (demo clinic lead)', () => {
  let server: Server;
  let browser: Browser;
  let lead: BrowserContext;
  let page: Page;
  let owner: Page;
  let orgUrl = '';

  beforeAll(async () => {
    server = await Server.create();
    const printed = await server.cli(['demo']);
    // The demo prints this second sign-in (README says so too).
    expect(printed).toContain(LEAD);
    await server.start();
    browser = await launchBrowser();
    lead = await browser.newContext({ baseURL: server.url });
    page = await lead.newPage();
    owner = await (await browser.newContext({ baseURL: server.url })).newPage();
    await signIn(owner, OWNER, PASSWORD);
  }, 240_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  it('does not offer sign-up where it is turned off', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const visitor = await context.newPage();
    const asked = visitor.waitForResponse((res) => res.url().endsWith('/api/v1/auth/sign-up'));
    await visitor.goto('/sign-in');
    expect(await (await asked).json()).toEqual({ enabled: false });
    expect(await visitor.getByRole('link', { name: 'Create an account' }).count()).toBe(0);
    await visitor.goto('/sign-up');
    await visitor.getByTestId('signup-closed').waitFor();
    await context.close();
  });

  it('signs in to their clinic: only People, Invitations and Access are offered', async () => {
    await signIn(page, LEAD, PASSWORD);
    await page.waitForURL(/\/orgs\/[0-9a-f-]{36}$/);
    orgUrl = new URL(page.url()).pathname;
    await page.getByTestId('my-access').getByText(`at ${HARBOR}`).waitFor();
    await expect.poll(() => page.getByTestId('scope-name').textContent()).toContain(HARBOR);
    await expect.poll(() => page.locator('#main-nav a').allTextContents()).toEqual(['Overview', 'People', 'Invitations', 'Access']);
    await screenshot(page, 'scoped-01-overview');
  });

  it("sees only their location's people, invitations and access", async () => {
    await page.goto(`${orgUrl}/people`);
    const people = page.getByTestId('people-table');
    await people.waitFor();
    const locations = await people.locator('td[data-label="Location"]').allTextContents();
    expect(locations.length).toBeGreaterThan(5);
    expect(new Set(locations)).toEqual(new Set([HARBOR]));
    await people.getByRole('link', { name: 'Priya Nair' }).waitFor();
    expect(await people.getByRole('link', { name: 'Daniel Kim' }).count()).toBe(0);
    // No "all locations" choice, and no CSV import (it has no location).
    expect(await page.locator('#people-resource').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Import CSV' }).count()).toBe(0);
    await screenshot(page, 'scoped-02-people');

    await page.goto(`${orgUrl}/invitations`);
    const invitations = page.getByTestId('invitations-table');
    await invitations.waitFor();
    expect(new Set(await invitations.locator('td[data-label="Access to"]').allTextContents())).toEqual(new Set([HARBOR]));
    await screenshot(page, 'scoped-03-invitations');

    await page.goto(`${orgUrl}/access`);
    const access = page.getByTestId('access-table');
    await access.waitFor();
    const members = await Promise.all((await access.locator('tr[data-email]').all()).map((row) => row.getAttribute('data-email')));
    // Their own grant, plus the group's org-wide owner and practice manager (inherited).
    expect(members).toEqual(expect.arrayContaining([LEAD, OWNER, 'maya.okafor@riverside.example']));
    expect(members).not.toContain('daniel.kim@riverside.example');
    expect(new Set(await page.getByTestId('pending-table').locator('td[data-label="Access to"]').allTextContents())).toEqual(
      new Set([HARBOR]),
    );
    await screenshot(page, 'scoped-04-access');
  });

  it('invites someone to their location with a role they may give, and the email goes out', async () => {
    await page.goto(`${orgUrl}/people`);
    await page.getByRole('link', { name: 'Ben Turner' }).click();
    await page.waitForURL(/\/people\/[0-9a-f-]{36}$/);
    await page.getByRole('button', { name: 'Invite Ben' }).click();
    // An admin of one clinic gives admin, member or viewer there: not owner, not Front desk
    // (it carries a portal permission they do not hold), and nowhere else.
    await expect.poll(() => page.getByLabel('Role').locator('option').allTextContents()).toEqual(['Admin', 'Member', 'Viewer']);
    await expect.poll(() => page.getByLabel('Access to').locator('option').allTextContents()).toEqual([HARBOR]);
    await screenshot(page, 'scoped-05-person-invite');
    await page.getByLabel('Role').selectOption('member');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Invitation sent to ben.turner@riverside.example').waitFor();
    await page.getByTestId('timeline').getByText('Invitation created').waitFor();
    expect(await linkFromMailbox(owner, 'ben.turner@riverside.example')).toMatch(/\/invite\//);

    // Many at once from Invitations: the same limits.
    await page.goto(`${orgUrl}/invitations`);
    await page.getByRole('button', { name: 'Invite people' }).click();
    await expect.poll(() => page.getByLabel('Access to').locator('option').allTextContents()).toEqual([HARBOR]);
    await page.getByLabel('Email addresses').fill('new.nurse@riverside.example');
    await page.getByRole('button', { name: /^Invite 1/ }).click();
    await page.getByTestId('bulk-results').waitFor();
    await expect.poll(() => page.getByTestId('bulk-results').textContent()).toContain('1 invited, 0 not.');
    const table = page.getByTestId('invitations-table');
    await table.getByText('new.nurse@riverside.example').waitFor();
    expect(new Set(await table.locator('td[data-label="Access to"]').allTextContents())).toEqual(new Set([HARBOR]));
  });

  it("cannot reach the organization's own pages: they are explained, not failed", async () => {
    for (const path of ['settings', 'roles', 'api-keys', 'webhooks', 'audit']) {
      await page.goto(`${orgUrl}/${path}`);
      await page.getByTestId('page-not-offered').waitFor();
      expect(await page.locator('.alert.error').count()).toBe(0);
    }
    await expect.poll(() => page.getByTestId('page-not-offered').textContent()).toContain(HARBOR);
    await screenshot(page, 'scoped-06-not-offered');

    // The API agrees: the org-wide lists refuse them.
    const orgId = orgUrl.split('/')[2] ?? '';
    for (const path of ['people', 'invitations', 'access', 'events']) {
      expect((await page.request.get(`/api/v1/orgs/${orgId}/${path}`)).status()).toBe(403);
    }
  });

  it('switches between their locations when they hold more than one', async () => {
    // The group's owner makes the lead admin of a second clinic too.
    const orgId = orgUrl.split('/')[2] ?? '';
    const me = (await (await page.request.get('/api/v1/me')).json()) as { user: { id: string } };
    const resources = (await (await owner.request.get(`/api/v1/orgs/${orgId}/resources`)).json()) as { items: { id: string; name: string }[] };
    const northside = resources.items.find((r) => r.name === 'Northside Clinic')?.id ?? '';
    const granted = await owner.request.put(`/api/v1/orgs/${orgId}/members/${me.user.id}/grants`, { data: { resourceId: northside, role: 'admin' } });
    expect(granted.status()).toBe(200);

    await page.goto(`${orgUrl}/people`);
    const switcher = page.getByLabel('Location', { exact: true });
    // The switcher fills in once the console has reloaded the user's grants.
    await expect.poll(() => switcher.locator('option').allTextContents(), { timeout: 15_000 }).toEqual([HARBOR, 'Northside Clinic']);
    await page.getByTestId('people-table').getByRole('link', { name: 'Ben Turner' }).waitFor();
    await switcher.selectOption({ label: 'Northside Clinic' });
    const people = page.getByTestId('people-table');
    await people.getByRole('link', { name: 'Aisha Bello' }).waitFor();
    expect(new Set(await people.locator('td[data-label="Location"]').allTextContents())).toEqual(new Set(['Northside Clinic']));
    // The choice holds across pages.
    await page.getByRole('link', { name: 'Access' }).click();
    await page.getByTestId('access-table').locator('tr[data-email="aisha.bello@riverside.example"]').waitFor();
    await screenshot(page, 'scoped-07-switcher');
  });

  it("the owner's webhook picker offers exactly the server's event types", async () => {
    await owner.goto(`${orgUrl}/webhooks`);
    await owner.getByLabel('All events').uncheck();
    const offered = await owner.locator('fieldset label.check code').allTextContents();
    expect(offered).toEqual([...EVENT_TYPES]);
  });

  it('works at phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${orgUrl}/people`);
    await page.getByTestId('people-table').waitFor();
    expect(await page.getByRole('heading', { level: 1, name: 'People' }).isVisible()).toBe(true);
    expect(await page.getByTestId('people-table').isVisible()).toBe(true);
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'scoped-08-people-phone');
  });
});

describe.runIf(enabled)('sign-up on an instance with ALLOW_SIGNUP=true', () => {
  let server: Server;
  let browser: Browser;
  let admin: Page;
  const visitor = { first: 'Vera', last: 'Visitor', email: 'vera@e2e.test', password: 'vera password 1' };

  beforeAll(async () => {
    server = await Server.create({ ALLOW_SIGNUP: 'true' });
    await server.cli(['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--first', ADMIN.firstName, '--last', ADMIN.lastName]);
    await server.start();
    browser = await launchBrowser();
    // The instance admin reads the dev mailbox.
    admin = await (await browser.newContext({ baseURL: server.url })).newPage();
    await signIn(admin, ADMIN.email, ADMIN.password);
  }, 90_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  it('signs up from the sign-in page, verifies from the email, and lands signed in', async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL('**/sign-up');
    await page.getByLabel('First name').waitFor();
    expect(await page.getByRole('heading', { level: 1, name: 'Create your account' }).isVisible()).toBe(true);
    await screenshot(page, 'signup-01-form');

    // The API's codes, shown beside the field they concern.
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('#firstName-error').textContent()).toContain('required');
    await page.getByLabel('First name').fill(visitor.first);
    await page.getByLabel('Last name').fill(visitor.last);
    await page.getByLabel('Email').fill('vera-at-e2e');
    await page.getByLabel('Password').fill(visitor.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('#email-error').textContent()).toContain('not a valid email');
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Email').fill(visitor.email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.locator('#password-error').textContent()).toContain('10 characters');
    await screenshot(page, 'signup-02-errors');

    // Keyboard: Enter in the password field submits.
    await page.getByLabel('Password').fill(visitor.password);
    await page.getByLabel('Password').press('Enter');
    await page.getByTestId('signup-sent').getByText(visitor.email).waitFor();
    await expect.poll(() => page.locator(':focus').textContent()).toBe('Check your email');
    await screenshot(page, 'signup-03-check-email');

    const link = await accountLinkFromMailbox(admin, visitor.email, 'verify-email');
    await page.goto(link);
    // The token leaves the address bar at once; the press of the button verifies.
    await page.waitForURL((url) => url.pathname === '/verify-email');
    // The address changes before the page has drawn: wait for its heading, not a snapshot of it.
    await page.getByRole('heading', { level: 1, name: 'Verify your email' }).waitFor();
    await screenshot(page, 'signup-04-verify');
    // The password confirmed here is the account's credential, checked like any other.
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await expect.poll(() => page.locator('#password-error').textContent()).toContain('10 characters');
    await page.getByLabel('Password').fill(visitor.password);
    await page.getByRole('button', { name: 'Verify my email' }).click();
    await page.waitForURL('**/orgs');
    await page.getByText('You are not in any organization yet').waitFor();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toContain(visitor.email);
    await screenshot(page, 'signup-05-signed-in');
    await context.close();
  });

  it('fits a phone', async () => {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto('/sign-up');
    await page.getByLabel('First name').waitFor();
    expect(await page.getByRole('heading', { level: 1, name: 'Create your account' }).isVisible()).toBe(true);
    expect(await page.getByLabel('First name').isVisible()).toBe(true);
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'signup-06-phone');
    await context.close();
  });
});
