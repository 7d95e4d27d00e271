// Start-up speed: `gatehouse serve` on an existing embedded database, from spawn until
// /readyz answers 200. Prints each run and the median. Usage: npm run bench:startup [-- runs]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const runs = Number(process.argv[2] ?? 7);
const bin = path.resolve('bin/gatehouse.js');
const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-'));
const env = { PATH: process.env.PATH, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };

// The database exists before the timed runs: this measures a restart, not a first install.
spawnSync(process.execPath, [bin, 'migrate'], { env, stdio: 'ignore' });

async function once(port) {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'serve'], { env: { ...env, PORT: String(port) }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - started;
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const times = [];
for (let i = 0; i < runs; i++) {
  const ms = await once(3900 + i);
  times.push(ms);
  console.log(`run ${i + 1}: ${ms.toFixed(0)} ms`);
}
times.sort((a, b) => a - b);
console.log(`median start-up to /readyz 200: ${times[Math.floor(times.length / 2)].toFixed(0)} ms over ${runs} runs`);
rmSync(dataDir, { recursive: true, force: true });
