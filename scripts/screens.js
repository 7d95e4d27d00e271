// Photographs the console on the demo data for a reviewer: People, a person, the invite form,
// the invite dialog's email preview, the webhooks page, the overview, the audit log and the invitee's page, at desktop (1280×800) and phone (390×844) width.
//   npm run build && node scripts/screens.js <output directory>
// Starts its own `gatehouse serve` on a free port with a fresh data directory, and stops it after.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'test-results/screens'));
const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => resolve(p));
  });
});
const url = `http://127.0.0.1:${port}`;
const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-screens-'));
const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, DATA_DIR: dataDir, LOG_LEVEL: 'warn', AUTH_RATE_LIMIT: '0' };
delete env.DATABASE_URL;
delete env.SMTP_URL;
const cli = path.join(ROOT, 'bin/gatehouse.js');
const demo = spawnSync(process.execPath, [cli, 'demo'], { env, encoding: 'utf8' });
if (demo.status !== 0) throw new Error(`demo failed: ${demo.stdout}${demo.stderr}`);
const server = spawn(process.execPath, [cli, 'serve'], { env, stdio: 'inherit' });
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${url}/readyz`)).ok) break;
  } catch {
    // not listening yet
  }
  if (i > 600) throw new Error('server not ready');
  await new Promise((r) => setTimeout(r, 100));
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  await mkdir(out, { recursive: true });
  const context = await browser.newContext({ baseURL: url });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill('admin@riverside.example');
  await page.getByLabel('Password').fill('gatehouse-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/orgs/);
  const me = await (await page.request.get('/api/v1/me')).json();
  const orgId = me.memberships[0].org.id;
  const people = await (await page.request.get(`/api/v1/orgs/${orgId}/people?limit=100`)).json();
  const notInvited = people.items.find((p) => p.accessStatus === 'not_invited') ?? people.items[0];
  const invited = people.items.find((p) => p.accessStatus === 'invited' || p.accessStatus === 'opened') ?? people.items[0];
  const mails = await (await page.request.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(invited.email)}`)).json();
  const link = mails.items.map((m) => /https?:\/\/\S+\/invite\/[A-Za-z0-9_-]+/.exec(m.text)?.[0]).find(Boolean);

  const shots = [
    ['people', async (p) => { await p.goto(`/orgs/${orgId}/people`); await p.getByRole('heading', { name: 'People' }).waitFor(); await p.locator('tbody tr, [data-testid=person-card]').first().waitFor(); }],
    ['person', async (p) => { await p.goto(`/orgs/${orgId}/people/${invited.id}`); await p.getByRole('heading', { level: 1 }).waitFor(); await p.waitForTimeout(500); }],
    ['invite', async (p) => {
      await p.goto(`/orgs/${orgId}/people/${notInvited.id}`);
      await p.getByRole('heading', { level: 1 }).waitFor();
      await p.getByRole('button', { name: /^Invite/ }).first().click();
      await p.waitForTimeout(500);
    }],
    ['invite-preview', async (p) => {
      await p.goto(`/orgs/${orgId}/people`);
      await p.getByRole('heading', { name: 'People' }).waitFor();
      await p.getByRole('button', { name: 'Invite', exact: true }).click();
      const dialog = p.getByTestId('invite-dialog');
      await p.getByLabel('Email addresses').fill('new.colleague@riverside.example');
      await dialog.getByLabel('The whole organization').check();
      await dialog.getByRole('radio', { name: /^Member/ }).check();
      await p.getByLabel('Personal message (optional)').fill('Welcome to the team!');
      await dialog.getByRole('button', { name: 'Preview email' }).click();
      await p.getByRole('region', { name: 'Email preview' }).waitFor();
      await p.waitForTimeout(500);
    }],
    ['webhooks', async (p) => {
      await p.goto(`/orgs/${orgId}/webhooks`);
      await p.getByRole('button', { name: 'Delivery log' }).click();
      await p.locator('table.list tbody tr').first().waitFor();
      await p.waitForTimeout(300);
    }],
    ['audit', async (p) => { await p.goto(`/orgs/${orgId}/audit`); await p.getByTestId('audit-list').waitFor(); await p.waitForTimeout(300); }],
    ['overview', async (p) => { await p.goto(`/orgs/${orgId}`); await p.getByRole('heading', { level: 1 }).waitFor(); await p.waitForTimeout(500); }],
    ['invitee', async (p, ctx) => {
      const guest = await ctx.browser().newContext({ baseURL: url, viewport: p.viewportSize() });
      const g = await guest.newPage();
      await g.goto(link);
      await g.getByRole('heading', { level: 1 }).waitFor();
      await g.waitForTimeout(500);
      return g;
    }],
  ];
  for (const [width, height, tag] of [[1280, 800, 'desktop'], [390, 844, 'phone']]) {
    await page.setViewportSize({ width, height });
    for (const [name, go] of shots) {
      const target = (await go(page, context)) ?? page;
      await target.screenshot({ path: path.join(out, `${name}-${tag}.png`), fullPage: true });
      if (target !== page) await target.context().close();
    }
  }
  console.log(`screens in ${out}`);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  await rm(dataDir, { recursive: true, force: true });
}
