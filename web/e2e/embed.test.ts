/**
 * The embeddable elements (/embed/v1/gatehouse.js) on a host page of another origin, in a real
 * browser against a real server with the demo clinic group: one `gatehouse serve` and one host
 * page server (node:http, its backend minting widget tokens with its API key) for the file.
 * Every host page is served with a strict CSP (no 'unsafe-inline' anywhere) and records the
 * elements' events and any CSP violation, which each test checks.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORG } from '../../src/demo/demo.data.js';
import { browserAvailable, expectNoHorizontalOverflow, freePort, launchBrowser, screenshot, Server } from './harness.js';

const enabled = browserAvailable();
const OWNER = { email: 'admin@riverside.example', password: 'gatehouse-demo' };
const LEAD = 'tomas.garcia@riverside.example';
const MEMBER = 'daniel.kim@riverside.example';
const SCOPES = ['org:read', 'people:read', 'invitations:read', 'invitations:manage', 'members:read', 'members:manage'];

interface PageOptions {
  element: 'invitation-panel' | 'access-list' | 'people';
  /** In Gatehouse's iframe mode rather than through the script. */
  frame?: boolean;
  attributes?: Record<string, string>;
  /** Whose token, and where it applies. */
  user: string;
  resourceId?: string;
  /** The first token handed out has expired by the time it is used (getToken must be asked again). */
  lapsedFirst?: boolean;
}

describe.runIf(enabled)('embedded elements on a host page', () => {
  let server: Server;
  let host: HttpServer;
  let hostUrl = '';
  let browser: Browser;
  let context: BrowserContext;
  let cookie = '';
  let orgId = '';
  let apiKey = '';
  let appId = '';
  const users = new Map<string, string>();
  const resources = new Map<string, string>();
  const pages = new Map<string, PageOptions>();
  /** Minted at the start with the shortest life, handed out once it has expired. */
  let lapsed: { token: string; expiresAt: string } = { token: '', expiresAt: '' };

  /** The owner's calls to Gatehouse, through its HTTP API with a session cookie. */
  async function gatehouse<T>(method: string, url: string, body?: unknown): Promise<T> {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { cookie, origin: server.url, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${String(res.status)} ${text}`);
    for (const line of res.headers.getSetCookie()) if (line.startsWith('gatehouse_session=')) cookie = line.split(';')[0] ?? '';
    return (text === '' ? null : JSON.parse(text)) as T;
  }

  /** What the host's backend does: mints a widget token for one of its users with its API key. */
  async function mint(user: string, resourceId: string | undefined, ttlSeconds?: number): Promise<{ token: string; expiresAt: string }> {
    const res = await fetch(`${server.url}/api/v1/orgs/${orgId}/widget-tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ appId, userId: users.get(user), scopes: SCOPES, ...(resourceId === undefined ? {} : { resourceId }), ...(ttlSeconds === undefined ? {} : { ttlSeconds }) }),
    });
    if (res.status !== 201) throw new Error(`mint: ${String(res.status)} ${await res.text()}`);
    return (await res.json()) as { token: string; expiresAt: string };
  }

  const STRICT_CSP = () => `default-src 'none'; script-src 'self' ${server.url}; connect-src 'self' ${server.url}; frame-src ${server.url}; style-src 'self'; img-src 'self' data:; base-uri 'none'`;

  /** The host's page script: token source and event log (a file, since the page allows no inline script). */
  const GLUE = `window.gatehouseEvents = [];
window.cspViolations = [];
window.tokensAsked = 0;
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
for (const type of ['gatehouse:invited', 'gatehouse:revoked', 'gatehouse:access-changed', 'gatehouse:error', 'gatehouse:person-selected']) {
  document.addEventListener(type, (e) => window.gatehouseEvents.push({ type, detail: e.detail }));
}
window.gatehouseMessages = [];
window.addEventListener('message', (e) => {
  if (e.data && e.data.source === 'gatehouse') window.gatehouseMessages.push({ origin: e.origin, type: e.data.type, detail: e.data.detail });
});
const element = document.querySelector('[data-host-element]');
if (element) {
  element.getToken = async () => {
    window.tokensAsked += 1;
    const res = await fetch('/token' + location.search + '&n=' + window.tokensAsked);
    return (await res.json()).token;
  };
}
`;

  async function startHost(port: number): Promise<void> {
    host = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://host');
      const options = pages.get(url.searchParams.get('page') ?? '');
      if (url.pathname === '/glue.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(GLUE);
        return;
      }
      if (url.pathname === '/host.css') {
        res.writeHead(200, { 'content-type': 'text/css' });
        res.end('body { font-family: Georgia, serif; margin: 1rem; } [data-host-element] { --gatehouse-accent: rgb(120, 20, 90); }');
        return;
      }
      if (options === undefined) {
        res.writeHead(404).end();
        return;
      }
      if (url.pathname === '/token') {
        const expired = options.lapsedFirst === true && url.searchParams.get('n') === '1';
        void (async () => {
          let minted = lapsed;
          if (expired) await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(lapsed.expiresAt) + 1000 - Date.now())));
          else minted = await mint(options.user, options.resourceId);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(minted));
        })().catch((error: unknown) => {
          res.writeHead(500).end(String(error));
        });
        return;
      }
      const attributes = Object.entries(options.attributes ?? {})
        .map(([name, value]) => ` ${name}="${value}"`)
        .join('');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': STRICT_CSP() });
      if (options.frame === true) {
        void mint(options.user, options.resourceId).then(({ token }) => {
          const query = new URLSearchParams({ token, ...options.attributes });
          res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title><script type="module" src="/glue.js"></script></head>
<body><main><h1>Host app</h1><iframe title="People" src="${server.url}/embed/v1/frame/${options.element}?${query.toString()}"></iframe></main></body></html>`);
        });
        return;
      }
      res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host</title>
<link rel="stylesheet" href="/host.css"><script type="module" src="/glue.js"></script><script type="module" src="${server.url}/embed/v1/gatehouse.js"></script></head>
<body><main><h1>Host app</h1><gatehouse-${options.element} data-host-element${attributes}></gatehouse-${options.element}></main></body></html>`);
    });
    await new Promise<void>((resolve) => host.listen(port, '127.0.0.1', resolve));
  }

  async function open(name: string, options: PageOptions, origin = hostUrl): Promise<Page> {
    pages.set(name, options);
    const page = await context.newPage();
    await page.goto(`${origin}/?page=${name}`);
    return page;
  }

  const events = (page: Page) => page.evaluate<{ type: string; detail: Record<string, unknown> }[]>('window.gatehouseEvents');
  const violations = (page: Page) => page.evaluate<string[]>('window.cspViolations');

  async function axe(page: Page, name: string): Promise<void> {
    const result = await new AxeBuilder({ page }).analyze();
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(serious, `axe on ${name}`).toEqual([]);
  }

  async function personId(query: string): Promise<string> {
    const found = await gatehouse<{ items: { id: string }[] }>('GET', `/api/v1/orgs/${orgId}/people?q=${encodeURIComponent(query)}`);
    const id = found.items[0]?.id;
    if (id === undefined) throw new Error(`no person ${query}`);
    return id;
  }

  beforeAll(async () => {
    server = await Server.create({}, 'demo');
    await server.start();
    const port = await freePort();
    hostUrl = `http://127.0.0.1:${String(port)}`;
    await startHost(port);

    await gatehouse('POST', '/api/v1/auth/sign-in', OWNER);
    const orgs = await gatehouse<{ items: { id: string; name: string }[] }>('GET', '/api/v1/orgs');
    orgId = orgs.items.find((o) => o.name === DEMO_ORG)?.id ?? '';
    const app = await gatehouse<{ id: string }>('POST', `/api/v1/orgs/${orgId}/apps`, {
      name: 'Host app',
      type: 'confidential',
      redirectUris: [`${hostUrl}/callback`],
      allowedOrigins: [hostUrl],
    });
    appId = app.id;
    apiKey = (await gatehouse<{ secret: string }>('POST', `/api/v1/orgs/${orgId}/api-keys`, { name: 'Host widgets', permissions: ['org:read', 'members:read', 'members:manage', 'people:read', 'invitations:read', 'invitations:manage'] })).secret;
    const access = await gatehouse<{ items: { user: { id: string; email: string } }[] }>('GET', `/api/v1/orgs/${orgId}/access`);
    for (const item of access.items) users.set(item.user.email, item.user.id);
    const listed = await gatehouse<{ items: { id: string; name: string }[] }>('GET', `/api/v1/orgs/${orgId}/resources?limit=200`);
    for (const r of listed.items) resources.set(r.name, r.id);

    // The shortest life a token may have; by the time a test uses it, it has expired.
    lapsed = await mint(OWNER.email, undefined, 30);
    browser = await launchBrowser();
    context = await browser.newContext();
  }, 240_000);

  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => host.close(resolve));
    await server.destroy();
  });

  it("an admin invites from the panel; the email arrives; the panel follows the invitee's steps without a reload", async () => {
    const ben = await personId('Ben Turner');
    const page = await open('panel', { element: 'invitation-panel', attributes: { 'person-id': ben, 'poll-seconds': '2' }, user: OWNER.email });
    const panel = page.locator('gatehouse-invitation-panel');
    await panel.getByRole('button', { name: 'Invite Ben' }).waitFor();
    const accent = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('gatehouse-invitation-panel').shadowRoot.querySelector('button')).backgroundColor`,
    );
    // By keyboard: Tab reaches the button inside the shadow root; Enter opens the form with focus in it.
    const focused = `document.querySelector('gatehouse-invitation-panel').shadowRoot.activeElement`;
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>(`${focused}?.textContent.trim()`)).toBe('Invite Ben');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate<string>(`${focused}?.id`)).toBe('inv-role');
    // The email it would send, as the server renders it with the widget token; nothing is sent.
    await panel.getByRole('button', { name: 'Preview email' }).click();
    const preview = panel.getByRole('region', { name: 'Email preview' });
    await preview.waitFor();
    await expect.poll(() => page.evaluate<string>(`${focused}?.id`)).toBe('inv-preview-title');
    const headers = String(await preview.getByTestId('mail-headers').textContent());
    expect(headers).toContain('You are invited to join Riverside Veterinary Group');
    expect(headers).toContain('ben.turner@riverside.example');
    expect((await gatehouse<{ items: unknown[] }>('GET', '/api/v1/dev/mailbox?to=ben.turner%40riverside.example')).items).toHaveLength(0);
    await panel.getByRole('button', { name: 'Send invitation' }).click();
    await panel.getByText('Invitation sent to').waitFor();
    await expect.poll(async () => (await events(page)).map((e) => e.type)).toContain('gatehouse:invited');
    await expect.poll(() => panel.getByTestId('access-status').textContent()).toContain('Pending');

    // The invitee's email (dev mailbox) and its link, opened in another browser.
    let link = '';
    await expect
      .poll(async () => {
        const mail = await gatehouse<{ items: { text: string }[] }>('GET', '/api/v1/dev/mailbox?to=ben.turner%40riverside.example');
        link = /https?:\/\/\S+\/invite\/[A-Za-z0-9_-]+/.exec(mail.items[0]?.text ?? '')?.[0] ?? '';
        return link;
      }, { timeout: 20_000 })
      .not.toBe('');
    const invitee = await browser.newContext();
    const tab = await invitee.newPage();
    await tab.goto(link);
    await expect.poll(() => panel.getByTestId('access-status').textContent(), { timeout: 15_000 }).toContain('Clicked');
    await tab.getByLabel('First name').fill('Ben');
    await tab.getByLabel('Last name').fill('Turner');
    await tab.getByLabel('Password').fill('ben turner password');
    await tab.locator('#acceptTerms').check();
    await tab.getByRole('button', { name: /accept/i }).click();
    await tab.waitForURL((url) => !url.pathname.startsWith('/invite'));
    await invitee.close();
    await expect.poll(() => panel.getByTestId('access-status').textContent(), { timeout: 15_000 }).toContain('Joined');
    await screenshot(page, 'embed-01-invitation-panel');

    // Styled under the strict CSP: the host's accent reaches the element's buttons through
    // --gatehouse-accent, and no stylesheet or script was refused.
    expect(await violations(page)).toEqual([]);
    expect(accent).toBe('rgb(120, 20, 90)');
    expect(await page.evaluate<number>(`document.querySelector('gatehouse-invitation-panel').shadowRoot.querySelectorAll('style').length`)).toBe(0);
    await axe(page, 'invitation panel');
    await page.close();
  });

  it("a location's admin sees only their location in the access list", async () => {
    const harbor = resources.get('Harbor Animal Hospital') ?? '';
    const page = await open('scoped-access', { element: 'access-list', user: LEAD, resourceId: harbor });
    const list = page.locator('gatehouse-access-list');
    await list.getByTestId('access-table').waitFor();
    const emails = await Promise.all((await list.locator('tr[data-email]').all()).map((row) => row.getAttribute('data-email')));
    expect(emails).toContain(LEAD);
    expect(emails).not.toContain(MEMBER);
    // No way to switch to the org or another location.
    expect(await list.locator('#access-scope').count()).toBe(0);
    // Rows name the location (from the token's session), never a placeholder.
    await expect.poll(() => list.getByText('Harbor Animal Hospital').count()).toBeGreaterThan(0);
    expect(await list.getByText(/Unknown location|This location/).count()).toBe(0);
    // Invite by email with a role, from the list: it joins the pending invitations at once.
    await list.getByRole('button', { name: 'Invite', exact: true }).click();
    await list.getByLabel('Email addresses').fill('new.vet@e2e.test');
    await list.getByRole('radio', { name: /^Member/ }).check();
    await list.getByRole('button', { name: 'Send invitation' }).click();
    await list.getByText('1 invitation sent.').waitFor();
    await list.getByTestId('pending-table').getByText('new.vet@e2e.test').waitFor();
    await expect.poll(async () => (await events(page)).map((e) => e.type)).toContain('gatehouse:invited');
    await screenshot(page, 'embed-02-access-list');
    await page.setViewportSize({ width: 390, height: 800 });
    await expectNoHorizontalOverflow(page);
    await screenshot(page, 'embed-03-access-list-phone');
    expect(await violations(page)).toEqual([]);
    await axe(page, 'access list');
    await page.close();
  });

  it('a member without invitations:manage sees the panel read-only, and a forced invite is refused', async () => {
    const mia = await personId('Mia Andersen');
    const page = await open('member-panel', { element: 'invitation-panel', attributes: { 'person-id': mia }, user: MEMBER, resourceId: resources.get('Downtown Clinic') ?? '' });
    const panel = page.locator('gatehouse-invitation-panel');
    await panel.getByTestId('read-only').waitFor();
    await screenshot(page, 'embed-05-read-only');
    expect(await panel.getByRole('button', { name: /Invite/ }).count()).toBe(0);
    // The page's own token, used by hand: the server refuses what the element does not offer.
    const forced = await page.evaluate<{ status: number; code: string }>(`(async () => {
      const token = (await (await fetch('/token' + location.search + '&n=9')).json()).token;
      const res = await fetch('${server.url}/api/v1/orgs/${orgId}/invitations', {
        method: 'POST',
        credentials: 'omit',
        headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'mia.andersen@riverside.example', role: 'member', personId: '${mia}' }),
      });
      return { status: res.status, code: (await res.json()).error?.code };
    })()`);
    expect(forced).toEqual({ status: 403, code: 'FORBIDDEN' });
    await page.close();
  });

  it('an expired token is replaced through getToken; choosing a person fires an event', async () => {
    const page = await open('people', { element: 'people', user: OWNER.email, lapsedFirst: true });
    const people = page.locator('gatehouse-people');
    await people.getByTestId('people-table').waitFor({ timeout: 20_000 });
    expect(await page.evaluate<number>('window.tokensAsked')).toBe(2);
    await screenshot(page, 'embed-04-people');
    await people.getByRole('link', { name: 'Ben Turner' }).click();
    await expect.poll(async () => (await events(page)).find((e) => e.type === 'gatehouse:person-selected')?.detail.personId).toBe(await personId('Ben Turner'));
    expect(new URL(page.url()).origin).toBe(hostUrl);
    expect(await violations(page)).toEqual([]);
    await axe(page, 'people');
    await page.close();
  });

  it('a page on an origin the app does not list is refused', async () => {
    const foreign = hostUrl.replace('127.0.0.1', 'localhost');
    const page = await open('foreign', { element: 'people', user: OWNER.email }, foreign);
    const people = page.locator('gatehouse-people');
    await people.getByRole('alert').waitFor();
    expect(await people.getByTestId('people-table').count()).toBe(0);
    // Without the browser's preflight, the server still refuses a token used from another origin.
    const { token } = await mint(OWNER.email, undefined);
    const res = await fetch(`${server.url}/api/v1/widget/session`, { headers: { authorization: `Bearer ${token}`, origin: foreign } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WIDGET_ORIGIN_REFUSED');
    await page.close();
  });

  it('the iframe mode shows the element, posting its height and events to the host window', async () => {
    const page = await open('frame', { element: 'people', user: OWNER.email, frame: true });
    const people = page.frameLocator('iframe').locator('gatehouse-people');
    await people.getByTestId('people-table').waitFor({ timeout: 20_000 });
    const messages = () => page.evaluate<{ origin: string; type: string; detail: Record<string, unknown> }[]>('window.gatehouseMessages');
    await expect.poll(async () => (await messages()).some((m) => m.type === 'gatehouse:resize' && Number(m.detail.height) > 100)).toBe(true);
    await people.getByRole('link', { name: 'Ben Turner' }).click();
    await expect.poll(async () => (await messages()).find((m) => m.type === 'gatehouse:person-selected')?.origin).toBe(server.url);
    // The token does not stay in the frame's address.
    expect(page.frames().find((f) => f.url().includes('/embed/v1/frame/'))?.url()).not.toContain('token=');
    expect(await violations(page)).toEqual([]);
    await page.close();
  });
});
