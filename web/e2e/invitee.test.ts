/**
 * The invitee's page as an org's own (docs/rules.md R70–R74), in every state, at desktop and phone
 * width, with axe-core over each state and over the rendered emails: the org's logo, colour, a
 * line on what the role allows and its terms link; the inviter's renewal email opens a console
 * page that exists. Screenshots go to test-results/.
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, browserAvailable, expectNoHorizontalOverflow, launchBrowser, linkFromMailbox, screenshot, Server } from './harness.js';

const enabled = browserAvailable();
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
/** A 1×1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

async function expectNoAxeViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const violations = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(violations, what).toEqual([]);
}

describe.runIf(enabled)("the invitee's page in Chromium", () => {
  let server: Server;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let orgId = '';

  beforeAll(async () => {
    server = await Server.create({ TERMS_URL: 'https://gatehouse.example.test/terms' });
    await server.cli(['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--first', ADMIN.firstName, '--last', ADMIN.lastName]);
    await server.start();
    browser = await launchBrowser();
    admin = await browser.newContext({ baseURL: server.url });
    page = await admin.newPage();
    expect((await page.request.post('/api/v1/auth/sign-in', { data: { email: ADMIN.email, password: ADMIN.password } })).ok()).toBe(true);
    const org = await page.request.post('/api/v1/orgs', { data: { name: 'Harbor Animal Hospital' } });
    orgId = ((await org.json()) as { id: string }).id;
    await page.request.put(`/api/v1/orgs/${orgId}/logo`, { data: { data: PNG } });
    const patched = await page.request.patch(`/api/v1/orgs/${orgId}`, {
      data: { settings: { brandColor: '#0b5d4b', termsUrl: 'https://harbor.example.test/terms' } },
    });
    expect(patched.ok()).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  async function invite(email: string, role = 'member', withPerson = false): Promise<{ id: string; personId: string | null; link: string }> {
    let personId: string | null = null;
    if (withPerson) {
      const person = await page.request.post(`/api/v1/orgs/${orgId}/people`, { data: { firstName: 'Iris', lastName: 'Invitee', email } });
      personId = ((await person.json()) as { id: string }).id;
    }
    const res = await page.request.post(`/api/v1/orgs/${orgId}/invitations`, { data: { email, role, ...(personId === null ? {} : { personId }) } });
    expect(res.status(), await res.text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    return { id, personId, link: await linkFromMailbox(page, email) };
  }

  /** Opens `link` in a fresh signed-out context at both widths; checks the state, overflow and axe each time. */
  async function visitBoth(link: string, view: string, name: string, context?: BrowserContext): Promise<void> {
    const ctx = context ?? (await browser.newContext({ baseURL: server.url }));
    for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      const tab = await ctx.newPage();
      await tab.setViewportSize(viewport);
      // Every state the page reports while it loads, so a flash of another state would show.
      await tab.addInitScript(`
        window.__views = [];
        new MutationObserver(() => {
          const v = document.querySelector('main.invite')?.getAttribute('data-view');
          if (v && window.__views[window.__views.length - 1] !== v) window.__views.push(v);
        }).observe(document, { subtree: true, attributes: true, childList: true });
      `);
      await tab.goto(link);
      await tab.locator(`main.invite[data-view="${view}"]`).waitFor();
      const seen = await tab.evaluate<string[]>('window.__views');
      expect(seen.filter((v) => v !== 'loading'), `${name}: no other state shown first`).toEqual([view]);
      await expect.poll(() => tab.getByTestId('org-brand').textContent()).toContain('Harbor Animal Hospital');
      await expectNoHorizontalOverflow(tab);
      await expectNoAxeViolations(tab, `${name} (${size})`);
      await screenshot(tab, `invitee-${name}-${size}`);
      await tab.close();
    }
    if (context === undefined) await ctx.close();
  }

  it("a new invitee sees the org's name, logo and colour, what the role allows and the terms; then the valid state", async () => {
    const { link } = await invite('iris@e2e.test', 'admin');
    const context = await browser.newContext({ baseURL: server.url });
    const tab = await context.newPage();
    await tab.goto(link);
    await tab.locator('main.invite[data-view="register"]').waitFor();
    const brand = tab.getByTestId('org-brand');
    await expect.poll(() => brand.textContent()).toContain('Harbor Animal Hospital');
    expect(await tab.getByRole('img', { name: 'Harbor Animal Hospital logo' }).getAttribute('src')).toMatch(/^\/api\/v1\/logos\//);
    const style = (property: string) => tab.evaluate<string>(`getComputedStyle(document.querySelector('[data-testid=org-brand]')).${property}`);
    expect(await style('backgroundColor')).toBe('rgb(11, 93, 75)');
    expect(await style('color')).toBe('rgb(255, 255, 255)');
    expect(await tab.getByTestId('role-summary').textContent()).toContain('Admin: Can invite people');
    expect(await tab.getByTestId('terms-link').getAttribute('href')).toBe('https://harbor.example.test/terms');
    await context.close();
    await visitBoth(link, 'register', 'valid-new-account');
  });

  it('an existing account signed out is asked to sign in', async () => {
    // An account with no access to this org (made while the server is stopped: one database owner).
    await server.stop();
    await server.cli(['admin', 'create', '--email', 'sam@e2e.test', '--password', 'sam password 12', '--first', 'Sam', '--last', 'Existing']);
    await server.start();
    const { link } = await invite('sam@e2e.test', 'viewer');
    await visitBoth(link, 'sign-in', 'existing-account-signed-out');
  });

  it('signed in with another account: the mismatch is explained', async () => {
    const { link } = await invite('otto@e2e.test', 'viewer');
    await visitBoth(link, 'mismatch', 'wrong-account', admin);
  });

  it('revoked and accepted invitations say so', async () => {
    const revoked = await invite('rex@e2e.test');
    expect((await page.request.post(`/api/v1/orgs/${orgId}/invitations/${revoked.id}/revoke`, { data: {} })).ok()).toBe(true);
    await visitBoth(revoked.link, 'revoked', 'revoked');

    const accepted = await invite('ada2@e2e.test');
    const context = await browser.newContext({ baseURL: server.url });
    const tab = await context.newPage();
    await tab.goto(accepted.link);
    await tab.getByLabel('First name').fill('Ada');
    await tab.getByLabel('Last name').fill('Second');
    await tab.getByLabel('Password').fill('ada second password');
    await tab.locator('#acceptTerms').check();
    await tab.getByRole('button', { name: 'Create account and accept' }).click();
    await tab.waitForURL((url) => !url.pathname.startsWith('/invite'));
    await context.close();
    await visitBoth(accepted.link, 'accepted', 'accepted');
  });

  it("expired: the invitee asks for a new one, and the inviter's email opens the person's page", async () => {
    const { id, personId, link } = await invite('eve@e2e.test', 'member', true);
    await server.withStoppedDatabase(async (db) => {
      await db.updateTable('invitations').set({ expires_at: new Date(Date.now() - 86_400_000) }).where('id', '=', id).execute();
    });
    expect((await page.request.post('/api/v1/auth/sign-in', { data: { email: ADMIN.email, password: ADMIN.password } })).ok()).toBe(true);
    await visitBoth(link, 'expired', 'expired');
    const context = await browser.newContext({ baseURL: server.url });
    const tab = await context.newPage();
    await tab.goto(link);
    await tab.getByRole('button', { name: 'Ask for a new invitation' }).click();
    await tab.locator('main.invite[data-view="renewed"]').waitFor();
    await context.close();

    const consoleLink = await (async () => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const res = await page.request.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(ADMIN.email)}`);
        const items = ((await res.json()) as { items: { text: string; subject: string }[] }).items;
        const mail = items.find((m) => m.subject.includes('asked for a new invitation'));
        const found = mail === undefined ? null : /https?:\/\/\S+\/orgs\/\S+/.exec(mail.text)?.[0];
        if (found) return found;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('no renewal request email');
    })();
    expect(new URL(consoleLink).pathname).toBe(`/orgs/${orgId}/people/${personId ?? ''}`);
    await page.goto(consoleLink);
    await page.getByRole('heading', { name: 'Iris Invitee' }).first().waitFor();
    expect(await page.getByText('Page not found').count()).toBe(0);
    await screenshot(page, 'invitee-renewal-link-person-page');
  });

  it('the rendered emails have a title, the brand, and no axe violations', async () => {
    const res = await page.request.get(`/api/v1/dev/mailbox`);
    const items = ((await res.json()) as { items: { html: string; subject: string; to: string }[] }).items;
    const invitation = items.find((m) => m.to === 'iris@e2e.test');
    const renewal = items.find((m) => m.subject.includes('asked for a new invitation'));
    expect(invitation).toBeDefined();
    expect(renewal).toBeDefined();
    for (const [name, mail] of [['invitation', invitation], ['renewal-request', renewal]] as const) {
      const tab = await admin.newPage();
      await tab.setContent(mail?.html ?? '');
      expect(await tab.title()).toBe(mail?.subject);
      await expectNoAxeViolations(tab, `${name} email`);
      await screenshot(tab, `email-${name}`);
      await tab.close();
    }
    expect(invitation?.html).toContain('bgcolor="#0b5d4b"');
    expect(invitation?.html).toMatch(/<img src="http:\/\/127\.0\.0\.1:\d+\/api\/v1\/logos\/[^"]+" alt="Harbor Animal Hospital"/);
  });
});
