/**
 * `gatehouse admin create` and the first-start setup link, as an operator meets them: the built
 * bin/gatehouse.js in a child process (npm test builds dist/ first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.js';
import { TEST_SECRET_KEY } from '../test/app.js';
import { createServerDatabase, testBackend } from '../test/database.js';
import { freePort } from '../test/net.js';
import { verifyPassword } from './password.js';

const BIN = path.resolve('bin/gatehouse.js');
const PASSWORD = 'operator chose this';

const dirs: string[] = [];
const drops: (() => Promise<void>)[] = [];
function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-admin-'));
  dirs.push(dir);
  return dir;
}
/** A fresh database of the selected backend: the environment to run the CLI with, and how to open it. */
async function freshDatabase(): Promise<{ env: Record<string, string>; open: () => ReturnType<typeof openDatabase> }> {
  if (testBackend() === 'postgres') {
    const created = await createServerDatabase();
    drops.push(() => created.drop());
    return { env: { DATABASE_URL: created.url }, open: () => openDatabase({ databaseUrl: created.url, dataDir: null }) };
  }
  const dir = dataDir();
  return { env: { DATA_DIR: dir }, open: () => openDatabase({ databaseUrl: null, dataDir: dir }) };
}
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const drop of drops) await drop();
});

function run(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('gatehouse admin create', () => {
  it.each([
    [['admin', 'create', '--password', PASSWORD], /--email is required/],
    [['admin', 'create', '--email', 'ops@example.test'], /--password is required/],
    [['admin', 'create', '--email', 'not-an-email', '--password', PASSWORD], /--email: This is not a valid email address/],
    [['admin', 'create', '--email', 'ops@example.test', '--password', 'short'], /--password: The password must be at least 10/],
    [['admin', 'create', '--email', 'ops@example.test', '--password', PASSWORD, '--admin'], /admin/],
  ])('rejects %j with one line and exit 2', (args, message) => {
    const dir = dataDir();
    const { code, stderr } = run(args, { DATA_DIR: dir });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('creates an active, verified instance admin, then promotes on a second run', async () => {
    const fresh = await freshDatabase();
    const first = run(['admin', 'create', '--email', ' Ops@Example.test ', '--password', PASSWORD, '--first', 'Olga', '--last', 'Ops'], fresh.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Created instance admin ops@example\.test/);
    const second = run(['admin', 'create', '--email', 'ops@example.test', '--password', PASSWORD], fresh.env);
    expect(second.stdout).toMatch(/Promoted instance admin ops@example\.test/);
    const database = await fresh.open();
    try {
      const users = await database.db.selectFrom('users').selectAll().execute();
      expect(users).toHaveLength(1);
      expect(users[0]).toMatchObject({ email: 'ops@example.test', first_name: 'Olga', status: 'active', is_instance_admin: true });
      expect(users[0]?.email_verified_at).not.toBeNull();
      expect(users[0]?.password_hash).toMatch(/^scrypt\$131072\$/);
      expect(await verifyPassword(PASSWORD, users[0]?.password_hash ?? '')).toBe(true);
    } finally {
      await database.close();
    }
  }, 60_000);
});

describe('first start on an empty database', () => {
  it('logs a one-time setup link that creates the first admin', async () => {
    const fresh = await freshDatabase();
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${String(port)}`;
    const child = spawn(process.execPath, [BIN, 'serve'], {
      // A server database needs SECRET_KEY for the provider's signing keys (docs/rules.md R52).
      env: { PATH: process.env.PATH ?? '', ...fresh.env, SECRET_KEY: TEST_SECRET_KEY, PORT: String(port), PUBLIC_URL: publicUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); }));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      let match: RegExpExecArray | null = null;
      for (let i = 0; i < 300 && match === null; i++) {
        match = /\/setup\/([A-Za-z0-9_-]{43})/.exec(output);
        if (match === null) await new Promise((r) => setTimeout(r, 100));
      }
      const token = match?.[1];
      expect(token).toBeDefined();
      expect(output).toContain(`${publicUrl}/setup/`);
      const res = await fetch(`${publicUrl}/api/v1/auth/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token, email: 'first@example.test', password: PASSWORD, firstName: 'First', lastName: 'Admin' }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('set-cookie')).toMatch(/gatehouse_session=/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
