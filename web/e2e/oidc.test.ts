/**
 * Signing in to an app with Gatehouse in a real browser (docs/rules.md R48, R49, R53): a signed-out
 * person is sent to Gatehouse's page, signs in, sees what a third-party app asks for, allows it
 * and lands back at the app with a code; a person of another organization sees that they have
 * no access, and the app gets no code; a newcomer the app sends with an invitation creates their
 * account on the page and lands back with a code (R58).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relyingParty, startAuthorization } from '../../src/test/oidc.js';
import { ADMIN, browserAvailable, launchBrowser, mailLink, screenshot, Server } from './harness.js';

const enabled = browserAvailable();
/** The app's callback: a stand-in app page on a port of its own (set in beforeAll). */
let CALLBACK = '';
const OUTSIDER = { email: 'outsider@e2e.test', password: 'outsider password 1' };

describe.runIf(enabled)('sign in to an app in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let admin: BrowserContext;
  let orgId = '';
  let rp: oidc.Configuration;
  let appServer: HttpServer;

  async function api(context: BrowserContext, method: string, path: string, data?: unknown): Promise<Record<string, unknown>> {
    const res = await context.request.fetch(path, { method, data: data ?? (method === 'GET' ? undefined : {}) });
    if (!res.ok()) throw new Error(`${method} ${path}: ${String(res.status())} ${await res.text()}`);
    return res.status() === 204 ? {} : ((await res.json()) as Record<string, unknown>);
  }

  /** Where the app sends the browser: an authorization request built by openid-client (code + PKCE). */
  async function authorizeUrl(extra: Record<string, string> = {}): Promise<string> {
    return (await startAuthorization(rp, { redirect_uri: CALLBACK, scope: 'openid profile email gatehouse', state: 'st', ...extra })).url.href;
  }

  /** A fresh browser context (no cookies). */
  async function person(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL: server.url });
    return { context, page: await context.newPage() };
  }

  beforeAll(async () => {
    appServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>The clinic app</h1>');
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    CALLBACK = `http://localhost:${String((appServer.address() as AddressInfo).port)}/callback`;
    server = await Server.create();
    // Accounts first: the embedded database has one owner at a time.
    await server.cli(['admin', 'create', '--email', ADMIN.email, '--password', ADMIN.password, '--first', ADMIN.firstName, '--last', ADMIN.lastName]);
    await server.cli(['admin', 'create', '--email', OUTSIDER.email, '--password', OUTSIDER.password]);
    await server.start();
    browser = await launchBrowser();
    admin = await browser.newContext({ baseURL: server.url });
    await api(admin, 'POST', '/api/v1/auth/sign-in', { email: ADMIN.email, password: ADMIN.password });
    orgId = String((await api(admin, 'POST', '/api/v1/orgs', { name: 'Riverside Clinics' })).id);
    const app = await api(admin, 'POST', `/api/v1/orgs/${orgId}/apps`, { name: 'Partner Scheduler', type: 'public', redirectUris: [CALLBACK], firstParty: false });
    rp = await relyingParty({ issuer: `${server.url}/oidc` }, { clientId: String(app.clientId) });
  }, 180_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
    await new Promise((resolve) => appServer.close(resolve));
  });

  it('a signed-out member signs in, consents to a third-party app and lands back with a code', async () => {
    const { context, page } = await person();
    await page.goto(await authorizeUrl());
    await expect.poll(() => page.locator('h1').innerText()).toBe('Sign in to Partner Scheduler');
    await page.getByRole('link', { name: 'Sign in to continue' }).click();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByText('Partner Scheduler asks to:').isVisible()).toBe(true);
    expect(await page.getByRole('listitem').allTextContents()).toEqual([
      'Know who you are',
      'Your name',
      'Your email address',
      'Your role, the locations you have access to, and your directory profile',
    ]);
    await screenshot(page, 'oidc-consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((url) => url.href.startsWith(CALLBACK));
    const url = new URL(page.url());
    expect(url.searchParams.get('state')).toBe('st');
    expect(url.searchParams.get('code')).toMatch(/\S{20,}/);
    await expect.poll(() => page.locator('h1').innerText()).toBe('The clinic app');
    await context.close();
  });

  it('a person without access to the org sees so, and going back gives the app access_denied', async () => {
    const { context, page } = await person();
    await api(context, 'POST', '/api/v1/auth/sign-in', OUTSIDER);
    await page.goto(await authorizeUrl());
    await expect.poll(() => page.getByTestId('no-access').isVisible()).toBe(true);
    expect(await page.getByTestId('no-access').innerText()).toContain('Your account outsider@e2e.test has no access to the organization of Partner Scheduler.');
    await page.getByRole('button', { name: 'Back to Partner Scheduler' }).click();
    await page.waitForURL((url) => url.href.startsWith(CALLBACK));
    const url = new URL(page.url());
    expect(url.searchParams.get('error')).toBe('access_denied');
    expect(url.searchParams.get('code')).toBeNull();
    await context.close();
  });

  it('a newcomer the app sends with an invitation creates their account on the page and lands back with a code', async () => {
    const email = 'newcomer@e2e.test';
    await api(admin, 'POST', `/api/v1/orgs/${orgId}/invitations`, { email, role: 'viewer', firstName: 'Nia' });
    const adminPage = await admin.newPage();
    const token = (await mailLink(adminPage, email, 'invite')).split('/invite/')[1] ?? '';
    await adminPage.close();
    const { context, page } = await person();
    await page.goto(await authorizeUrl({ invitation: token }));
    await expect.poll(() => page.getByTestId('invitation').isVisible()).toBe(true);
    expect(await page.getByTestId('invitation').innerText()).toContain(`invited ${email} to Riverside Clinics`);
    expect(await page.getByLabel('First name').inputValue()).toBe('Nia');
    await page.getByLabel('Last name').fill('Okafor');
    await page.getByLabel('Password').fill('newcomer password 1');
    await page.getByRole('button', { name: 'Create account and continue' }).click();
    // Without the terms ticked, the page says so and nothing is created.
    await expect.poll(() => page.getByText('Accept the terms to create your account.').isVisible()).toBe(true);
    await page.getByLabel('I accept the terms of use').check();
    await page.getByRole('button', { name: 'Create account and continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(CALLBACK));
    expect(new URL(page.url()).searchParams.get('code')).toMatch(/\S{20,}/);
    await expect.poll(() => page.locator('h1').innerText()).toBe('The clinic app');
    await context.close();
  });
});
