/**
 * The browser suite's stage: a real `gatehouse serve` started from dist/ on a free port with a
 * fresh DATA_DIR (embedded PGlite, dev mailbox) copied from one made once per run
 * (global-setup.ts), and Debian's Chromium driven by playwright-core.
 *
 * Moving time: the server runs on the system clock, so an invitation is expired by stopping the
 * server (PGlite flushes on SIGTERM), writing a past `expires_at` into its data directory, and
 * starting it again — no test-only code in the server, on the default backend.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { freePort } from '../../src/test/net.js';
import { embeddedEnv, gatehouse, ROOT } from './cli.js';
import type { DataTemplate } from './global-setup.js';

export { freePort };

export { ROOT };
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = path.join(ROOT, 'test-results');
export const ADMIN = { email: 'admin@e2e.test', password: 'admin password 1', firstName: 'Ada', lastName: 'Admin' };

/** Under CI a missing browser fails the suite; elsewhere it is skipped with a warning. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but Chromium is not at ${CHROMIUM} (apt-get install chromium)`);
  console.warn(`Chromium not found at ${CHROMIUM}: skipping the browser suite.`);
  return false;
}

export class Server {
  private child: ChildProcess | null = null;
  private log = '';
  /** Extra environment for the server and its commands from the next start() on (`{ ALLOW_SIGNUP: 'true' }`, say). */
  extraEnv: Record<string, string> = {};
  private constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${String(this.port)}`;
  }

  private env(): NodeJS.ProcessEnv {
    return embeddedEnv(this.dataDir, { PORT: String(this.port), HOST: '127.0.0.1', PUBLIC_URL: this.url, ...this.extraEnv });
  }

  /**
   * A server on a fresh data directory copied from `from` (web/e2e/global-setup.ts): an empty
   * migrated database, or one with the demo loaded. Not started yet.
   */
  static async create(extraEnv: Record<string, string> = {}, from: DataTemplate = 'migrated'): Promise<Server> {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-e2e-'));
    await cp(path.join(inject('e2eDataTemplates'), from), dataDir, { recursive: true });
    const server = new Server(dataDir, await freePort());
    server.extraEnv = extraEnv;
    return server;
  }

  /** What the running server has written to stdout and stderr since it started (warnings and up). */
  get output(): string {
    return this.log;
  }

  cli(args: string[]): Promise<string> {
    return gatehouse(args, this.env());
  }

  async start(): Promise<void> {
    this.log = '';
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/gatehouse.js'), 'serve'], { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child = child;
    // Generous: a first start on an empty data directory migrates it, and CI machines are shared.
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`gatehouse serve exited: ${this.log}`);
      try {
        if ((await fetch(`${this.url}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`gatehouse serve did not become ready: ${this.log}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child?.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = null;
  }

  /** Runs `work` on the server's embedded database while the server is stopped (PGlite has one owner). */
  async withStoppedDatabase(work: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<void>): Promise<void> {
    await this.stop();
    const database = await openDatabase({ databaseUrl: null, dataDir: this.dataDir });
    try {
      await work(database.db);
    } finally {
      await database.close();
    }
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

export async function launchBrowser(): Promise<Browser> {
  // launch() gives every run a fresh temporary profile (its own user-data-dir), removed on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Signs in through the sign-in form and waits until the console has moved on from it. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
}

/** Signs in as a member of one org, who lands on its overview: that org's id. */
export async function signInToOrg(page: Page, email: string, password: string): Promise<string> {
  await signIn(page, email, password);
  await page.waitForURL(/\/orgs\/[0-9a-f-]{36}/);
  return /\/orgs\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? '';
}

/**
 * Fails when the page is laid out wider than its window: at phone width nothing may push the
 * page sideways (a wide table scrolls inside its own box, not the page).
 */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  // An expression evaluated in the page (this file is typed without the DOM).
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  );
  expect(scrollWidth, `the page is ${String(scrollWidth)} px wide in a ${String(innerWidth)} px window`).toBeLessThanOrEqual(innerWidth);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(RESULTS, { recursive: true });
  await page.screenshot({ path: path.join(RESULTS, `${name}.png`), fullPage: true });
}

/**
 * Waits until the dev mailbox holds at least `count` emails to `to` whose text has a link to
 * `/<page>/<token>` (invite, verify-email, reset-password) and returns the link in the newest.
 * `page` must be signed in as an instance admin (the mailbox is theirs).
 */
export async function mailLink(page: Page, to: string, linkPage: string, count = 1): Promise<string> {
  const pattern = new RegExp(`https?://\\S+/${linkPage}/[A-Za-z0-9_-]+`);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const res = await page.request.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    if (res.ok()) {
      const body = (await res.json()) as { items: { text: string; sentAt: string }[] };
      const links = [...body.items]
        .sort((a, b) => Date.parse(b.sentAt) - Date.parse(a.sentAt))
        .map((m) => pattern.exec(m.text)?.[0])
        .filter((link) => link !== undefined);
      if (links.length >= count && links[0] !== undefined) return links[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no email (${String(count)}) with a /${linkPage}/ link to ${to} arrived`);
}

/**
 * Waits until the dev mailbox holds at least `count` invitation emails to `to` and returns the
 * link in the newest one.
 */
export function linkFromMailbox(page: Page, to: string, count = 1): Promise<string> {
  return mailLink(page, to, 'invite', count);
}

/**
 * Waits until the dev mailbox (read by `page`'s signed-in instance admin) holds an email to `to`
 * with a `/<kind>/<token>` link (verify-email, reset-password, ...) and returns the newest link.
 */
export function accountLinkFromMailbox(page: Page, to: string, kind: string): Promise<string> {
  return mailLink(page, to, kind);
}
