/**
 * The audit log as sentences with filters, the sidebar's focus ring contrast, and an operator's
 * THEME_CSS, on the demo organization: one server for the file, started with a THEME_CSS that
 * sets the brand colour. Screenshots go to test-results/.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, screenshot, Server, signInToOrg } from './harness.js';

const enabled = browserAvailable();
const DEMO = { email: 'admin@riverside.example', password: 'gatehouse-demo' };
/** The operator's brand colour, as the browser reports a computed colour. */
const OPERATOR_BRAND = 'rgb(122, 31, 75)';

/** WCAG 2 relative luminance of an `rgb(r, g, b)` string, and the contrast ratio of two. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
}

describe.runIf(enabled)('audit log, focus ring and operator theme (demo data)', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let orgId = '';
  let themeDir = '';

  beforeAll(async () => {
    themeDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-theme-'));
    const theme = path.join(themeDir, 'theme.css');
    await writeFile(theme, ':root { --brand: #7a1f4b; }\n');
    server = await Server.create({ THEME_CSS: theme }, 'demo');
    await server.start();
    browser = await launchBrowser();
    const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    orgId = await signInToOrg(page, DEMO.email, DEMO.password);
  }, 180_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
    await rm(themeDir, { recursive: true, force: true });
  });

  it("the console wears the operator's THEME_CSS colour, without a rebuild", async () => {
    await page.goto(`/orgs/${orgId}/people`);
    const invite = page.locator('#people-invite');
    await invite.waitFor();
    expect(await page.evaluate<string>(`getComputedStyle(document.querySelector('#people-invite')).backgroundColor`)).toBe(OPERATOR_BRAND);
  });

  it('a focused sidebar link has a focus ring of at least 3:1 against the sidebar', async () => {
    await page.goto(`/orgs/${orgId}/people`);
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invitations' });
    await link.waitFor();
    // Keyboard focus, so :focus-visible applies as it does for a keyboard user.
    await link.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const ring = await page.evaluate<{ focused: boolean; outline: string; width: string; style: string; sidebar: string }>(`(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      const sidebar = getComputedStyle(el.closest('.sidebar') ?? document.body);
      return { focused: el.textContent.trim() === 'Invitations', outline: style.outlineColor, width: style.outlineWidth, style: style.outlineStyle, sidebar: sidebar.backgroundColor };
    })()`);
    expect(ring.focused).toBe(true);
    expect(ring.style).toBe('solid');
    expect(parseFloat(ring.width)).toBeGreaterThanOrEqual(2);
    expect(contrast(ring.outline, ring.sidebar), `${ring.outline} on ${ring.sidebar}`).toBeGreaterThanOrEqual(3);
  });

  it('the audit log reads as sentences with names; a name, a date range and the chips filter it on the server', async () => {
    await page.goto(`/orgs/${orgId}/audit`);
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const rows = page.getByTestId('audit-list').locator('li');
    await rows.first().waitFor();
    // "Dana Whitfield invited x@riverside.example as Member at Harbor Animal Hospital · 3 days ago"
    const invited = rows.filter({ hasText: / invited .+ as / }).first();
    await invited.waitFor();
    const text = (await invited.innerText()).trim();
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(text).toMatch(/ago$/);
    expect(await invited.locator('time').getAttribute('title')).toMatch(/\d/);
    const results = new AxeBuilder({ page }).analyze();
    expect((await results).violations.map((v) => v.id)).toEqual([]);
    await screenshot(page, 'audit-sentences');

    // A name filters by whom the events concern: every row then names them.
    const subject = page.locator('[data-type="invitation.accepted"] button.name').first();
    const name = (await subject.innerText()).trim();
    await subject.click();
    await page.getByTestId('audit-chips').getByText(`Concerning ${name}`).waitFor();
    // Invited, emailed, opened, accepted…: all of it about them, and nothing else.
    await expect.poll(async () => (await rows.allInnerTexts()).every((t) => t.includes(name)), { timeout: 10_000 }).toBe(true);
    expect(await rows.count()).toBeGreaterThan(2);

    // A date range in the future: nothing, said so, and one click clears it all.
    await page.getByLabel('From').fill('2999-01-01');
    await page.getByText('Nothing matches these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await rows.nth(5).waitFor();

    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'audit-sentences-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('every console page opens with one page header: a level-one heading and one line saying what it is for', async () => {
    for (const p of ['', '/people', '/invitations', '/access', '/roles', '/settings', '/api-keys', '/webhooks', '/apps', '/audit']) {
      await page.goto(`/orgs/${orgId}${p}`);
      const head = page.locator('.page-head').first();
      await head.waitFor();
      expect(await head.locator('h1').count(), p).toBe(1);
      expect((await head.locator('.lede').innerText()).length, p).toBeGreaterThan(10);
    }
  });
});
