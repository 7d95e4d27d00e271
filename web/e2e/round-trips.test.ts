/**
 * Every console page loads in two round trips (docs/rules.md R92): GET /api/v1/me, then the
 * page's own calls, all issued together. For each page the router lists, opened afresh, the
 * browser's Resource Timing entries of /api/ calls are grouped into waves: a call that started
 * after another API call had ended belongs to a later wave than that call. At most two waves,
 * and the first is /me alone. Run for the demo's owner (every page) and for the admin of one
 * location (the pages they are offered).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_PASSWORD } from '../../src/demo/demo.data.js';
import { browserAvailable, launchBrowser, ROOT, Server, signIn, signInToOrg } from './harness.js';

const enabled = browserAvailable();
const LEAD = 'tomas.garcia@riverside.example';

interface Call {
  path: string;
  start: number;
  end: number;
}

/** The console's signed-in pages as web/src/router.ts declares them (paths with their parameters). */
function consolePaths(): string[] {
  const source = readFileSync(path.join(ROOT, 'web/src/router.ts'), 'utf8');
  const layout = source.slice(source.indexOf('component: ConsoleLayout'));
  const children = layout.slice(0, layout.indexOf("{ path: '/:pathMatch"));
  const org = [...children.matchAll(/\borg\('([^']+)'/g)].map((m) => `/orgs/:orgId/${m[1] ?? ''}`);
  const plain = [...children.matchAll(/\bpath: '([^']*)'/g)].map((m) => (m[1] === '' ? '/' : (m[1] ?? '')));
  return [...plain, ...org];
}

/** The page's /api/ calls, by start. */
async function apiCalls(page: Page): Promise<Call[]> {
  const calls = await page.evaluate<Call[]>(`performance.getEntriesByType('resource')
    .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime, end: e.responseEnd }))
    .filter((c) => c.path.startsWith('/api/'))`);
  return calls.sort((a, b) => a.start - b.start);
}

/** Each call's wave: one more than the latest wave among the calls that ended before it started. */
function waves(calls: Call[]): { wave: number; path: string }[] {
  const out: { wave: number; path: string; end: number }[] = [];
  for (const call of calls) {
    const before = out.filter((c) => c.end <= call.start).map((c) => c.wave);
    out.push({ wave: before.length === 0 ? 1 : Math.max(...before) + 1, path: call.path, end: call.end });
  }
  return out.map(({ wave, path: p }) => ({ wave, path: p }));
}

/** Opens `url` afresh (a new document: /me is read again), waits until it is done, and returns its waves. */
async function visit(page: Page, url: string): Promise<{ wave: number; path: string }[]> {
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.getByTestId('loading').waitFor({ state: 'detached' }).catch(() => undefined);
  await page.waitForLoadState('networkidle');
  return waves(await apiCalls(page));
}

function expectTwoWaves(url: string, found: { wave: number; path: string }[]): void {
  const summary = found.map((c) => `${String(c.wave)} ${c.path}`);
  expect(Math.max(...found.map((c) => c.wave)), `${url}:\n${summary.join('\n')}`).toBeLessThanOrEqual(2);
  expect(
    found.filter((c) => c.wave === 1).map((c) => c.path),
    `${url}: only /me comes first`,
  ).toEqual(['/api/v1/me']);
}

describe.runIf(enabled)('every console page loads in two round trips', () => {
  let server: Server;
  let browser: Browser;
  let owner: Page;
  let orgId = '';
  let personId = '';

  beforeAll(async () => {
    server = await Server.create({}, 'demo');
    await server.start();
    browser = await launchBrowser();
    owner = await (await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } })).newPage();
    orgId = await signInToOrg(owner, DEMO_ADMIN.email, DEMO_PASSWORD);
    const people = await owner.request.get(`/api/v1/orgs/${orgId}/people?limit=100`);
    const invited = (await people.json() as { items: { id: string; latestInvitationId: string | null }[] }).items.find((p) => p.latestInvitationId !== null);
    personId = invited?.id ?? '';
    expect(personId).not.toBe('');
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  it('the router lists the pages this test visits', () => {
    const paths = consolePaths();
    expect(paths).toEqual(expect.arrayContaining(['/', '/orgs', '/orgs/:orgId', '/mailbox', '/orgs/:orgId/people', '/orgs/:orgId/people/:personId', '/orgs/:orgId/audit']));
    for (const p of paths) expect(p.replace(/:orgId|:personId/g, ''), `a parameter this test cannot fill in ${p}`).not.toContain(':');
  });

  it('for the owner: /me, then one parallel wave, on every page', async () => {
    const visited: string[] = [];
    for (const template of consolePaths()) {
      const url = template.replace(':orgId', orgId).replace(':personId', personId);
      const found = await visit(owner, url);
      expectTwoWaves(url, found);
      visited.push(url);
      if (template === '/orgs/:orgId/people/:personId') {
        // The person, their latest invitation and the access list come together.
        expect(found.filter((c) => c.wave === 2).map((c) => c.path.split('?')[0])).toEqual(
          expect.arrayContaining([`/api/v1/orgs/${orgId}/people/${personId}`, `/api/v1/orgs/${orgId}/people/${personId}/invitation`, `/api/v1/orgs/${orgId}/access`]),
        );
        await owner.getByRole('heading', { name: /invitation/i }).first().waitFor();
      }
      if (template === '/orgs/:orgId') {
        // The overview's work list: the invitation lists and the renewal requests together.
        const second = found.filter((c) => c.wave === 2).map((c) => c.path);
        expect(second.some((p) => p.startsWith(`/api/v1/orgs/${orgId}/events`))).toBe(true);
        expect(second.filter((p) => p.startsWith(`/api/v1/orgs/${orgId}/invitations`)).length).toBe(4);
      }
    }
    expect(visited.length).toBe(consolePaths().length);
  });

  it('for the admin of one location: the same on the pages they are offered', async () => {
    const lead = await (await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } })).newPage();
    await signIn(lead, LEAD, DEMO_PASSWORD);
    const me = (await (await lead.request.get('/api/v1/me')).json()) as { memberships: { org: { id: string }; resource: { id: string } | null }[] };
    const place = me.memberships.find((m) => m.org.id === orgId)?.resource?.id ?? '';
    expect(place).not.toBe('');
    const theirs = await lead.request.get(`/api/v1/orgs/${orgId}/people?resourceId=${place}&limit=100`);
    const person = ((await theirs.json()) as { items: { id: string }[] }).items[0]?.id ?? '';
    expect(person).not.toBe('');
    for (const p of ['/', `/orgs/${orgId}`, `/orgs/${orgId}/people`, `/orgs/${orgId}/invitations`, `/orgs/${orgId}/access`, `/orgs/${orgId}/people/${person}`]) {
      expectTwoWaves(p, await visit(lead, p));
    }
  });

  it('an edit that changes what /me carries shows on the next page without a reload', async () => {
    const page = await (await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } })).newPage();
    await signIn(page, DEMO_ADMIN.email, DEMO_PASSWORD);
    await page.goto(`/orgs/${orgId}/settings`);
    await page.getByLabel('Organization name').waitFor();
    await page.evaluate('window.sameDocument = true');
    // A new location, then a new name for the org.
    await page.locator('#loc-name').fill('Seaside Clinic');
    await page.getByRole('button', { name: 'Add location' }).click();
    await page.getByRole('link', { name: 'Seaside Clinic' }).waitFor();
    await page.getByLabel('Organization name').fill('Riverside Vets');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/saved/i).first().waitFor();

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'People' }).click();
    await page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const dialog = page.getByTestId('invite-dialog');
    await dialog.getByLabel('One location').check();
    expect(await dialog.getByLabel('Location').locator('option').allTextContents()).toContain('Seaside Clinic');
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await page.locator('body').textContent()) ?? '').toContain('Riverside Vets');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
  });

  it('links the Mailbox for the instance admin while emails go to the dev mailbox', async () => {
    await owner.goto(`/orgs/${orgId}`);
    await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Organizations' }).waitFor();
    expect(await owner.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mailbox' }).count()).toBe(1);
  });
});

describe.runIf(enabled)('with SMTP_URL set', () => {
  let server: Server;
  let browser: Browser;

  beforeAll(async () => {
    // Nothing listens there: no email is sent in this test, and none need be.
    server = await Server.create({ SMTP_URL: 'smtp://127.0.0.1:9' }, 'demo');
    await server.start();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser.close();
    await server.destroy();
  });

  it('offers no Mailbox link, even to the instance admin', async () => {
    const page = await (await browser.newContext({ baseURL: server.url })).newPage();
    const orgId = await signInToOrg(page, DEMO_ADMIN.email, DEMO_PASSWORD);
    await page.goto(`/orgs/${orgId}`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Organizations' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Mailbox' }).count()).toBe(0);
  });
});
