/**
 * Running the built `gatehouse` command for the browser suite: always on the embedded database
 * and the dev mailbox in the given DATA_DIR, whatever the caller's environment says.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The environment of a server or command on `dataDir`, with `extra` on top: the embedded
 * database and the dev mailbox whatever this shell sets, unless `extra` names an SMTP_URL.
 */
export function embeddedEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.SMTP_URL;
  return { ...env, DATA_DIR: dataDir, AUTH_RATE_LIMIT: '0', LOG_LEVEL: 'warn', ...extra };
}

/** Runs `gatehouse <args>` to its end: what it printed, or a rejection with it. */
export function gatehouse(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/gatehouse.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`gatehouse ${args.join(' ')} exited ${String(code)}: ${out}`));
    });
  });
}
