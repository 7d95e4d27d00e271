// `npm start`: build only when the sources changed since the last build, then serve, loading the
// demo into an empty database. The build is stamped with a digest of the sources' paths, sizes and
// modification times (dist/.build-stamp); a restart with nothing changed goes straight to serving.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-stamp');
/** What the build reads. web/src/api/schema.d.ts is written by the build, so it is left out. */
const INPUTS = ['src', 'web/src', 'web/index.html', 'web/public', 'web/vite.config.ts', 'web/tsconfig.json', 'tsconfig.json', 'package-lock.json', 'scripts/openapi.js'];
const GENERATED = new Set([path.join('web', 'src', 'api', 'schema.d.ts')]);

function files(relative) {
  const full = path.join(root, relative);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => files(path.join(relative, entry.name)));
}

function sourceStamp() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files).filter((f) => !GENERATED.has(f)).sort()) {
    const { size, mtimeMs } = statSync(path.join(root, file));
    hash.update(`${file}\0${String(size)}\0${String(Math.trunc(mtimeMs))}\n`);
  }
  return hash.digest('hex');
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const stamp = sourceStamp();
const built = existsSync(STAMP) && existsSync(path.join(root, 'dist', 'main.js')) && existsSync(path.join(root, 'dist', 'web', 'index.html'));
if (built && readFileSync(STAMP, 'utf8').trim() === stamp) {
  console.log('gatehouse: the build is current; starting.');
} else {
  console.log(
    built
      ? 'gatehouse: the sources changed since the last build; building the server and the console (about a minute)…'
      : 'gatehouse: first start: building the server and the console (about a minute; later starts skip this)…',
  );
  const started = Date.now();
  run('npm', ['run', '--silent', 'build']);
  writeFileSync(STAMP, `${stamp}\n`);
  console.log(`gatehouse: built in ${String(Math.round((Date.now() - started) / 1000))} s.`);
}
// Serve, the demo loaded into an empty database by the same process (one open of the database,
// not two). A signal to this process (a process manager's SIGTERM) is passed on, and Ctrl-C
// reaches both, so this one waits for the server to finish shutting down and exits with its code.
const server = spawn(process.execPath, ['bin/gatehouse.js', 'serve', '--demo-if-empty'], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 0)));
