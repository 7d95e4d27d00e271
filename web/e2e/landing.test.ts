/**
 * Invitations that land the invitee in the app (docs/rules.md R60–R62), in a real browser against
 * a real `gatehouse serve` (the demo clinic group) and the example host app (examples/host)
 * registered through the Apps API:
 *  - the owner signs in to the example app (no page in between: first-party, already signed in
 *    at Gatehouse) and invites a colleague from the app's own form;
 *  - the invitee opens the email link from the dev mailbox, registers, sees the confirmation and
 *    lands signed in on the app's page, which shows their role at the location;
 *  - the same for someone who already has an account (sign in and accept);
 *  - an address the app does not allow is refused with a coded error.
 * Screenshots go to test-results/ (landing-*).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser, linkFromMailbox, ROOT, screenshot, Server, signIn } from './harness.js';
import { freePort } from '../../src/test/net.js';

const enabled = browserAvailable();
const PASSWORD = 'gatehouse-demo';
const OWNER = 'admin@riverside.example';
/** A registered member of Downtown Clinic in the demo. */
const EXISTING = 'daniel.kim@riverside.example';


interface App {
  id: string;
  clientId: string;
  clientSecret: string;
}

describe.runIf(enabled)('an invitation that lands the invitee in the example app', () => {
  let server: Server;
  let browser: Browser;
  let owner: Page;
  let host: ChildProcess | null = null;
  let hostLog = '';
  let hostUrl = '';
  let orgId = '';
  let app: App;
  let apiKey = '';
  const locations = new Map<string, string>();

  /** What the example app does with its API key (no browser cookie involved). */
  async function withKey(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  }

  beforeAll(async () => {
    server = await Server.create({}, 'demo');
    await server.start();
    browser = await launchBrowser();
    owner = await (await browser.newContext({ baseURL: server.url })).newPage();
    await signIn(owner, OWNER, PASSWORD);

    const orgs = (await (await owner.request.get('/api/v1/orgs')).json()) as { items: { id: string; name: string }[] };
    orgId = orgs.items.find((o) => o.name === 'Riverside Veterinary Group')?.id ?? '';
    const resources = (await (await owner.request.get(`/api/v1/orgs/${orgId}/resources`)).json()) as { items: { id: string; name: string }[] };
    for (const r of resources.items) locations.set(r.name, r.id);

    // The app, as an integrator registers it: through the Apps API.
    const port = await freePort();
    hostUrl = `http://127.0.0.1:${String(port)}`;
    const created = await owner.request.post(`/api/v1/orgs/${orgId}/apps`, {
      data: {
        name: 'Clinic Portal',
        type: 'confidential',
        redirectUris: [`${hostUrl}/callback`],
        postLogoutRedirectUris: [`${hostUrl}/`],
        allowedOrigins: [hostUrl],
        initiateLoginUri: `${hostUrl}/login`,
        firstParty: true,
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    app = (await created.json()) as App;
    const key = await owner.request.post(`/api/v1/orgs/${orgId}/api-keys`, {
      data: { name: 'Clinic Portal invitations', permissions: ['org:read', 'members:read', 'people:read', 'invitations:read', 'invitations:manage'] },
    });
    expect(key.status(), await key.text()).toBe(201);
    apiKey = ((await key.json()) as { secret: string }).secret;

    host = spawn(process.execPath, [path.join(ROOT, 'examples/host/server.js')], {
      env: {
        ...process.env,
        GATEHOUSE_URL: server.url,
        CLIENT_ID: app.clientId,
        CLIENT_SECRET: app.clientSecret,
        APP_ID: app.id,
        API_KEY: apiKey,
        ORG_ID: orgId,
        PORT: String(port),
        APP_URL: hostUrl,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    host.stdout?.on('data', (chunk: Buffer) => (hostLog += chunk.toString()));
    host.stderr?.on('data', (chunk: Buffer) => (hostLog += chunk.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (host.exitCode !== null) throw new Error(`the example app exited: ${hostLog}`);
      try {
        if ((await fetch(`${hostUrl}/`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the example app did not start: ${hostLog}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 240_000);

  afterAll(async () => {
    if (host !== null && host.exitCode === null) {
      const exited = new Promise((resolve) => host?.once('exit', resolve));
      host.kill('SIGTERM');
      await exited;
    }
    await browser.close();
    await server.destroy();
  });

  it('a new colleague invited from the app registers and lands signed in on the app, with their location role', async () => {
    // The owner, already signed in at Gatehouse, signs in to the app with no page in between.
    await owner.goto(`${hostUrl}/`);
    await owner.getByTestId('sign-in').click();
    await expect.poll(() => owner.getByTestId('name').textContent()).toBe('Rita Riverside');

    // ...and invites a colleague to Downtown Clinic from the app's own form.
    const email = `new.vet.${String(Date.now())}@riverside.example`;
    await owner.getByLabel('Email').fill(email);
    await owner.getByLabel('Location').selectOption({ label: 'Downtown Clinic' });
    await owner.getByLabel('Role').selectOption('member');
    await owner.getByRole('button', { name: 'Send invitation' }).click();
    await expect.poll(() => owner.getByTestId('invite-ok').textContent()).toContain(email);
    await screenshot(owner, 'landing-host-invite');

    // The invitee opens the link from the email, in a browser of their own.
    const link = await linkFromMailbox(owner, email);
    const invitee = await (await browser.newContext({ baseURL: server.url })).newPage();
    await invitee.goto(link);
    await invitee.getByLabel('First name').fill('Nora');
    await invitee.getByLabel('Last name').fill('Vance');
    await invitee.getByLabel('Password').fill('a new password 1');
    await invitee.getByLabel('I accept the terms of use.').check();
    await invitee.getByRole('button', { name: 'Create account and accept' }).click();

    // A short confirmation naming the org, the role and the app, then on into the app.
    const joined = invitee.getByTestId('joined');
    await joined.waitFor();
    expect(await joined.textContent()).toMatch(/You've joined Riverside Veterinary Group – Downtown Clinic as Member/);
    expect(await invitee.getByTestId('continue').textContent()).toContain('Continue to Clinic Portal');
    await screenshot(invitee, 'landing-joined');
    await invitee.waitForURL(`${hostUrl}/`, { timeout: 15_000 });
    await expect.poll(() => invitee.getByTestId('name').textContent()).toBe('Nora Vance');
    expect(await invitee.getByTestId('email').textContent()).toBe(email);
    const grant = invitee.getByTestId('grant');
    expect(await grant.count()).toBe(1);
    expect(await grant.first().textContent()).toContain('Downtown Clinic');
    expect(await invitee.getByTestId('grant-role').first().textContent()).toBe('member');
    await screenshot(invitee, 'landing-host-page');
  });

  it('someone with an account signs in to accept and lands on the app with both locations', async () => {
    // The demo already emailed them once (the invitation they accepted): wait for one more.
    const before = await owner.request.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(EXISTING)}`);
    const earlier = ((await before.json()) as { items: unknown[] }).items.length;
    const res = await withKey('POST', `/api/v1/orgs/${orgId}/invitations`, {
      email: EXISTING,
      role: 'viewer',
      resourceId: locations.get('Northside Clinic'),
      appId: app.id,
      returnTo: `${hostUrl}/`,
    });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const link = await linkFromMailbox(owner, EXISTING, earlier + 1);
    const invitee = await (await browser.newContext({ baseURL: server.url })).newPage();
    await invitee.goto(link);
    await invitee.getByLabel('Password').fill(PASSWORD);
    await invitee.getByRole('button', { name: 'Sign in and accept' }).click();
    await invitee.getByTestId('joined').waitFor();
    expect(await invitee.getByTestId('joined').textContent()).toMatch(/Northside Clinic as Viewer/);
    await invitee.waitForURL(`${hostUrl}/`, { timeout: 15_000 });
    await expect.poll(() => invitee.getByTestId('name').textContent()).toBe('Daniel Kim');
    expect(await invitee.getByTestId('title').textContent()).toBe('Veterinarian');
    const rows = await invitee.getByTestId('grant').allTextContents();
    expect(rows.find((row) => row.includes('Downtown Clinic'))).toContain('member');
    expect(rows.find((row) => row.includes('Northside Clinic'))).toContain('viewer');
  });

  it('an address the app does not allow is refused with a coded error, and no email goes out', async () => {
    const email = `refused.${String(Date.now())}@riverside.example`;
    for (const returnTo of ['https://evil.example/welcome', 'javascript:alert(1)', `${hostUrl.replace('127.0.0.1', 'localhost')}/`]) {
      const res = await withKey('POST', `/api/v1/orgs/${orgId}/invitations`, { email, role: 'member', appId: app.id, returnTo });
      expect(res.status, returnTo).toBe(400);
      const body = res.json as { error: { code: string; details: { path: string }[] } };
      expect(body.error.code).toBe('RETURN_TO_NOT_ALLOWED');
      expect(body.error.details[0]?.path).toBe('returnTo');
    }
    const listed = await withKey('GET', `/api/v1/orgs/${orgId}/invitations?email=${encodeURIComponent(email)}`);
    expect((listed.json as { items: unknown[] }).items).toEqual([]);
  });
});
