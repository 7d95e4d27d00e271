/**
 * The console as a product, on the demo organization (`gatehouse demo`), one server for the file:
 * axe over every console page (zero violations of any impact), the landmarks and focus a
 * keyboard user relies on, one status vocabulary, relative times, status tabs with counts, the
 * row menu, columns sorted on the server (kept in the address), the demo's webhook and its 204 deliveries, the Invite dialog, the overview's work list, a failed list load, all field errors at
 * once, and the mailbox sheet at phone width. Screenshots go to test-results/.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, expectNoHorizontalOverflow, launchBrowser, screenshot, Server, signInToOrg } from './harness.js';

const enabled = browserAvailable();
const DEMO = { email: 'admin@riverside.example', password: 'gatehouse-demo' };

describe.runIf(enabled)('the console as a product (demo data)', () => {
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let orgId = '';

  beforeAll(async () => {
    server = await Server.create({}, 'demo');
    await server.start();
    browser = await launchBrowser();
    context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    orgId = await signInToOrg(page, DEMO.email, DEMO.password);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  /**
   * `emailFrames: false` where the page shows email in a sandboxed frame (EmailFrame's
   * `iframe.mail`): no script runs there, so axe cannot enter it and would wait forever; the
   * frame is left out (the test asserts its title itself).
   */
  async function noAxeViolations(name: string, { emailFrames = true } = {}): Promise<void> {
    const builder = new AxeBuilder({ page });
    const result = await (emailFrames ? builder : builder.exclude('iframe.mail')).analyze();
    const summary = result.violations.map((v) => `${v.id} (${v.impact ?? ''}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`);
    expect(summary, `axe on ${name}`).toEqual([]);
  }

  it("the demo's Webhooks page is not empty: its endpoint is the dev receiver, its log 204 deliveries (R93)", async () => {
    await page.goto(`/orgs/${orgId}/webhooks`);
    await page.getByText('/api/v1/dev/webhooks').first().waitFor();
    await page.getByRole('button', { name: 'Delivery log' }).click();
    const rows = page.locator('table.list tbody tr');
    await rows.first().waitFor();
    // A page of 20, newest first; the rest a click away.
    expect(await rows.count()).toBe(20);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count()).toBeGreaterThan(20);
    expect(new Set(await page.locator('table.list td[data-label="Status"]').allTextContents())).toEqual(new Set(['sent']));
    expect(new Set((await page.locator('table.list td[data-label="Answer"]').allTextContents()).map((text) => text.trim()))).toEqual(new Set(['204']));
    // Each row says when its event happened (the demo's span two weeks), not when it was queued.
    expect(new Set(await page.locator('table.list td[data-label="Happened"]').allTextContents()).size).toBeGreaterThan(3);
    await noAxeViolations('/webhooks with its delivery log');
    await screenshot(page, 'product-webhooks-demo');
  });

  it('every console page has a main landmark, a skip link, and no axe violations', async () => {
    const pages = ['', '/people', '/invitations', '/access', '/roles', '/settings', '/api-keys', '/webhooks', '/audit'];
    for (const path of pages) {
      await page.goto(`/orgs/${orgId}${path}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.getByTestId('loading').waitFor({ state: 'detached' }).catch(() => undefined);
      await page.getByRole('main').waitFor();
      await noAxeViolations(path || 'overview');
    }
    for (const path of ['/orgs', '/mailbox']) {
      await page.goto(path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.getByTestId('loading').waitFor({ state: 'detached' }).catch(() => undefined);
      await noAxeViolations(path);
    }
    // The skip link is the first thing Tab reaches, and it leads to the page.
    await page.goto(`/orgs/${orgId}/people`);
    await page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
  }, 240_000);

  it('moves focus to the new page heading after navigating from the menu', async () => {
    await page.goto(`/orgs/${orgId}`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' }).click();
    await page.getByRole('heading', { name: 'Invitations', level: 1 }).waitFor();
    await expect.poll(() => page.evaluate('document.activeElement.tagName + ":" + document.activeElement.textContent')).toBe('H1:Invitations');
  });

  it('People: status tabs with counts, one vocabulary, relative times, sortable columns and a row menu', async () => {
    await page.goto(`/orgs/${orgId}/people`);
    const tabs = page.getByTestId('status-tabs');
    await tabs.waitFor();
    const counts = (await (await page.request.get(`/api/v1/orgs/${orgId}/people/counts`)).json()) as { total: number; byStatus: Record<string, number> };
    await expect.poll(() => tabs.getByRole('button', { name: /^All/ }).textContent()).toBe(`All${String(counts.total)}`);
    await expect.poll(() => tabs.getByRole('button', { name: /^Pending/ }).textContent()).toBe(`Pending${String(counts.byStatus.invited)}`);
    await expect.poll(() => tabs.getByRole('button', { name: /^Bounced/ }).textContent()).toBe(`Bounced${String(counts.byStatus.failed)}`);
    // The same words on badges: no "Invited", "Registered" or "Delivery failed".
    const table = page.getByTestId('people-table');
    const text = (await table.textContent()) ?? '';
    expect(text).not.toMatch(/Registered|Delivery failed|\bInvited\b/);
    expect(text).toContain('Joined');
    // Relative times with the exact time on hover.
    const time = table.locator('time[title]').first();
    expect(await time.textContent()).toMatch(/ago|yesterday|today|now/);
    expect(await time.getAttribute('title')).toMatch(/\d{4}/);

    await tabs.getByRole('button', { name: /^Bounced/ }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(counts.byStatus.failed);
    await tabs.getByRole('button', { name: /^All/ }).click();
    await expect.poll(() => table.locator('tbody tr').count()).toBe(Math.min(counts.total, 50));

    // Sorting by last activity, newest first.
    await table.getByRole('button', { name: 'Last activity' }).click();
    await expect.poll(() => table.locator('th[aria-sort="descending"]').textContent()).toContain('Last activity');
    const stamps: number[] = [];
    for (const el of await table.locator('tbody td.c-wide time').all()) stamps.push(Date.parse((await el.getAttribute('datetime')) ?? ''));
    expect([...stamps].sort((a, b) => b - a)).toEqual(stamps);
    expect(await table.locator('input[type=checkbox]').count()).toBe(0);

    // The row menu of a pending person: resend, copy, and revoke last (destructive).
    await tabs.getByRole('button', { name: /^Pending/ }).click();
    const first = table.locator('tbody tr').first();
    await first.getByRole('button', { name: /^Actions for/ }).click();
    const items = await page.getByRole('menu').getByRole('menuitem').allTextContents();
    expect(items).toEqual(['Resend invitation', 'Copy details', 'Revoke invitation…']);
    await page.keyboard.press('Escape');
    expect(await page.getByRole('menu').count()).toBe(0);
    await screenshot(page, 'product-people');
  });

  it('People: a column header sorts on the server, says so with aria-sort, and the address keeps it', async () => {
    await page.goto(`/orgs/${orgId}/people`);
    const table = page.getByTestId('people-table');
    await table.waitFor();
    const header = (name: string) => table.locator('thead th').filter({ has: page.getByRole('button', { name, exact: true }) });
    const shown = async () => (await table.locator('tbody td[data-label="Email"]').allTextContents()).map((email) => email.trim());
    const serverOrder = async (sort: string) =>
      ((await (await page.request.get(`/api/v1/orgs/${orgId}/people?sort=${sort}&limit=50`)).json()) as { items: { email: string }[] }).items.map((p) => p.email);
    await expect.poll(() => header('Name').getAttribute('aria-sort')).toBe('ascending');
    const byName = await serverOrder('name');
    await expect.poll(shown).toEqual(byName);

    // Pressing Name again sorts Z to A: the server's order, the arrow and aria-sort flip, the address says so.
    await header('Name').getByRole('button').click();
    await expect.poll(() => header('Name').getAttribute('aria-sort')).toBe('descending');
    const byNameDown = await serverOrder('-name');
    expect(byNameDown).not.toEqual(byName);
    await expect.poll(shown).toEqual(byNameDown);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('-name');
    expect(await header('Name').locator('svg').count()).toBe(1);
    await noAxeViolations('people sorted by name, descending');

    // A reload keeps the sort.
    await page.reload();
    await table.waitFor();
    await expect.poll(() => header('Name').getAttribute('aria-sort')).toBe('descending');
    await expect.poll(shown).toEqual(byNameDown);

    // From the keyboard: Email's header, Enter.
    await header('Email').getByRole('button').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => header('Email').getAttribute('aria-sort')).toBe('ascending');
    expect(await header('Name').getAttribute('aria-sort')).toBe('none');
    await expect.poll(shown).toEqual(await serverOrder('email'));
    expect(new URL(page.url()).searchParams.get('sort')).toBe('email');
  });

  it('the Invite dialog: several addresses, every field checked at once, sent, cleared, closed, focus back', async () => {
    await page.goto(`/orgs/${orgId}/people`);
    const opener = page.getByRole('button', { name: 'Invite', exact: true });
    await opener.click();
    const dialog = page.getByTestId('invite-dialog');
    await dialog.waitFor();
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('invite-addresses');
    // Nothing filled: each field says what it needs, at once.
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.getByText('Enter at least one email address.').waitFor();
    await dialog.getByText('Choose where the access applies.').waitFor();
    await dialog.getByText('Choose a role.').waitFor();
    expect(await page.locator('#invite-addresses').getAttribute('aria-describedby')).toContain('invite-addresses-error');
    // Owner is last and needs a confirmation.
    const roleNames = await dialog.locator('.role-option strong').allTextContents();
    expect(roleNames.at(-1)).toBe('Owner');
    await page.getByLabel('Email addresses').fill('una@e2e.test, vic@e2e.test');
    await dialog.getByLabel('The whole organization').check();
    await dialog.getByRole('radio', { name: /^Member/ }).check();
    await page.getByLabel('Personal message (optional)').fill('Welcome aboard');
    await expect.poll(() => page.getByTestId('invite-preview').textContent()).toContain('as Member');
    expect(await page.getByTestId('invite-preview').textContent()).toContain('Welcome aboard');
    await screenshot(page, 'product-invite-dialog');
    await axeNow('invite dialog');
    await dialog.getByRole('button', { name: 'Send 2 invitations' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('2 invitations sent.').waitFor();
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('people-invite');
    // Opened again: empty. Escape cancels and focus returns.
    await opener.click();
    expect(await page.getByLabel('Email addresses').inputValue()).toBe('');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('people-invite');
  });

  it('the Invite dialog previews the email as the server renders it, in a sandboxed frame, then sends it', async () => {
    await page.goto(`/orgs/${orgId}/people`);
    const opener = page.getByRole('button', { name: 'Invite', exact: true });
    const dialog = page.getByTestId('invite-dialog');
    const fill = async (email: string) => {
      await page.getByLabel('Email addresses').fill(email);
      await dialog.getByLabel('The whole organization').check();
      await dialog.getByRole('radio', { name: /^Member/ }).check();
      await page.getByLabel('Personal message (optional)').fill('See you on Monday');
    };
    const region = page.getByRole('region', { name: 'Email preview' });

    await opener.click();
    await dialog.waitFor();
    // Without a role the preview is refused beside the field, as the send would be.
    await page.getByLabel('Email addresses').fill('wes@e2e.test');
    await dialog.getByRole('button', { name: 'Preview email' }).click();
    await dialog.getByText('Choose a role.').waitFor();
    expect(await region.count()).toBe(0);
    // With the preview open, Escape still cancels and focus goes back.
    await fill('wes@e2e.test');
    await dialog.getByRole('button', { name: 'Preview email' }).click();
    await region.waitFor();
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('invite-email-preview-title');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('people-invite');

    await opener.click();
    await fill('wes@e2e.test');
    await dialog.getByRole('button', { name: 'Preview email' }).click();
    await region.waitFor();
    const subject = 'You are invited to join Riverside Veterinary Group';
    await expect.poll(() => region.getByTestId('mail-headers').textContent()).toContain(subject);
    const headers = String(await region.getByTestId('mail-headers').textContent());
    expect(headers).toContain('Towes@e2e.test');
    expect(headers).toContain('FromRiverside Veterinary Group <');
    const iframe = region.locator('iframe');
    expect(await iframe.getAttribute('sandbox')).toBe('');
    expect(await iframe.getAttribute('title')).toBe('Invitation email preview');
    const frame = region.frameLocator('iframe');
    await frame.getByRole('heading', { name: subject }).waitFor();
    await frame.getByRole('main').getByText('invited you to join Riverside Veterinary Group as Member').waitFor();
    await frame.getByText('See you on Monday').waitFor();
    // The button leads nowhere real: no token in the preview.
    expect(await frame.getByRole('link', { name: 'Accept the invitation' }).getAttribute('href')).toMatch(/\/invite\/preview$/);
    await screenshot(page, 'product-invite-email-preview');
    await noAxeViolations('invite dialog with the email preview', { emailFrames: false });
    // Changing the form drops the preview (it would no longer be what is sent).
    await page.getByLabel('Personal message (optional)').fill('See you on Tuesday');
    await region.waitFor({ state: 'detached' });
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('1 invitation sent.').waitFor();
  });

  async function axeNow(name: string): Promise<void> {
    await noAxeViolations(name);
  }

  it('the overview answers what needs me: renewal requests, bounced, expiring, recently joined', async () => {
    await page.goto(`/orgs/${orgId}`);
    await page.getByTestId('bounced').waitFor();
    await page.getByTestId('joined').waitFor();
    expect(await page.getByTestId('bounced').textContent()).toContain('Bounced');
    // The demo's expired invitee who asked for a new link: first on the list, one click from a new one.
    const renewals = page.getByTestId('renewals');
    expect(await renewals.textContent()).toContain('Grace Lee');
    expect(await renewals.getByRole('button', { name: 'Send a new invitation to grace.lee@riverside.example' }).count()).toBe(1);
    await screenshot(page, 'product-overview');
    // The same request shows as a banner on her page.
    await renewals.getByRole('link', { name: 'Grace Lee' }).click();
    await page.getByTestId('renewal-banner').waitFor();
    expect(await page.getByTestId('renewal-banner').textContent()).toContain('Grace asked for a new invitation');
    await page.goto(`/orgs/${orgId}`);
    await page.getByRole('button', { name: 'Invite', exact: true }).waitFor();
  });

  it('a failed list load shows the error and a retry, not "No people yet"', async () => {
    await page.route('**/api/v1/orgs/*/people?*', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'The server is busy.', details: [] } }) }));
    await page.goto(`/orgs/${orgId}/people`);
    await page.getByTestId('load-failed').waitFor();
    expect(await page.getByText('No people yet').count()).toBe(0);
    await page.unroute('**/api/v1/orgs/*/people?*');
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('people-table').waitFor();
  });

  it('Add person flags every invalid field at once, each beside its field', async () => {
    await page.goto(`/orgs/${orgId}/people`);
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect.poll(() => page.evaluate('document.activeElement.id')).toBe('p-first');
    await page.getByRole('button', { name: 'Add person' }).last().click();
    await page.locator('#p-first-error').waitFor();
    await page.locator('#p-email-error').waitFor();
    expect(await page.locator('#p-first').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#p-email').getAttribute('aria-describedby')).toBe('p-email-error');
    await page.keyboard.press('Escape');
    expect(await page.locator('#p-first').count()).toBe(0);
  });

  it('at phone width: two-line cards, and the mailbox opens an email as a sheet where it was tapped', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`/orgs/${orgId}/people`);
    await page.getByTestId('people-table').waitFor();
    await expectNoHorizontalOverflow(page);
    const row = page.getByTestId('people-table').locator('tbody tr').first();
    expect(await row.locator('.phone-line').isVisible()).toBe(true);
    await screenshot(page, 'product-people-phone');
    await noAxeViolations('people at phone width');

    await page.goto('/mailbox');
    const list = page.getByTestId('mail-list');
    await list.waitFor();
    const target = list.locator('tbody tr').nth(12).getByRole('button');
    await target.scrollIntoViewIfNeeded();
    await target.click();
    const view = page.getByTestId('mail-view');
    await view.waitFor();
    // In view without scrolling: the sheet sits inside the window.
    const box = await view.boundingBox();
    expect(box).not.toBeNull();
    const top = box?.y ?? -1;
    expect(top).toBeGreaterThanOrEqual(0);
    expect(top).toBeLessThan(844);
    await screenshot(page, 'product-mailbox-phone');
    await page.keyboard.press('Escape');
    await view.waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
