/**
 * The command line as an operator meets it: the built `bin/gatehouse.js` in a child process
 * (npm test builds dist/ before the suite runs).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './test/net.js';

const BIN = path.resolve('bin/gatehouse.js');

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});


/** Whether the spawned server answers /readyz within 90 s (generous: on a loaded 2-core machine the embedded database alone can take many seconds). */
async function becomesReady(child: ChildProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await fetch(`http://127.0.0.1:${String(port)}/readyz`).then((r) => r.status === 200, () => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe('gatehouse CLI', () => {
  it('--help lists every command with one line each', () => {
    const { code, stdout } = run(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'migrate']) expect(stdout).toMatch(new RegExp(`^  gatehouse ${command}.*\\S`, 'm'));
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['migrate', '--bogus'], /bogus/],
  ])('rejects %j with one line and exit 2', (args, message) => {
    const { code, stderr } = run(args);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'not a url'],
  ])('stops on %s=%s with one line naming it, exit 2, no stack trace', (name, value) => {
    const { code, stderr } = run(['migrate'], { [name]: value });
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^gatehouse: ${name}: expected `));
    expect(stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('migrate creates the embedded database under DATA_DIR, then reports it up to date', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-cli-'));
    dirs.push(dataDir);
    const first = run(['migrate'], { DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Applied: 0001_initial/);
    const second = run(['migrate'], { DATA_DIR: dataDir });
    expect(second.stdout).toMatch(/up to date/);
  });

  it('serve becomes ready, then shuts down cleanly on SIGTERM', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-serve-'));
    dirs.push(dataDir);
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); }));
    expect(await becomesReady(child, port)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe('serve, as an operator meets it', () => {
  it('a busy port is one line naming it and PORT, and exit code 2', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-busy-'));
    dirs.push(dataDir);
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => {
      blocker.listen(0, '127.0.0.1', () => {
        const address = blocker.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    try {
      const child = spawn(process.execPath, [BIN, 'serve'], {
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => { resolve(c); }));
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toEqual([`gatehouse: port ${String(port)} is in use: set PORT`]);
      expect(stdout).toBe('');
    } finally {
      blocker.close();
    }
  });

  it('logs JSON, one line per request, when stdout is not a terminal', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-logs-'));
    dirs.push(dataDir);
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code); }));
    expect(await becomesReady(child, port)).toBe(true);
    await fetch(`http://127.0.0.1:${String(port)}/healthz?probe=1`);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { msg: string; res?: { statusCode: number } });
    const probe = lines.filter((line) => line.msg.includes('/healthz?probe=1'));
    expect(probe).toHaveLength(1);
    expect(probe[0]).toMatchObject({ msg: expect.stringMatching(/^GET \/healthz\?probe=1 200 \d+ms$/) as unknown, res: { statusCode: 200 } });
  });
});
