// Runs two sides of a comparison alternately (A, B, A, B …) and prints each side's median and
// spread with the load average at every run's start. On a shared machine whose load swings
// within minutes, a comparison counts only when both sides ran interleaved like this (see
// bench/README.md). Usage:
//
//   node bench/interleave.js --runs 5 --a 'COMMAND' --b 'COMMAND' [options]
//
//   --a, --b            shell commands, one per side (run with `sh -c`)
//   --a-label, --b-label  names in the output (default A, B)
//   --a-cwd, --b-cwd    working directories (default: the current one), e.g. two checkouts
//   --metric REGEX      the figure: the first capture group of REGEX in the command's output
//                       (stdout then stderr), e.g. '([\d.]+) req/s'; default: the wall time in s
//   --a-metric, --b-metric  a different REGEX per side
//   --unit TEXT         the figure's unit in the output (default: s, or none with a REGEX)
//   --runs N            runs per side (default 5)
//   --log DIR           keep each run's output there (default: a new directory under the temp dir)
//   --allow-failure     count a run that exits non-zero (say, test files that failed) instead of
//                       stopping; it is marked in the output
//
// A run that exits non-zero (without --allow-failure) or whose output lacks the figure stops the
// comparison (its output is in the log directory). The B/A ratio is given per pair (the two runs of one round) and as the
// ratio of the medians.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string' },
    'a-label': { type: 'string', default: 'A' },
    'b-label': { type: 'string', default: 'B' },
    'a-cwd': { type: 'string', default: process.cwd() },
    'b-cwd': { type: 'string', default: process.cwd() },
    metric: { type: 'string' },
    'a-metric': { type: 'string' },
    'b-metric': { type: 'string' },
    unit: { type: 'string' },
    runs: { type: 'string', default: '5' },
    log: { type: 'string' },
    'allow-failure': { type: 'boolean', default: false },
  },
});

if (args.a === undefined || args.b === undefined) {
  console.error("usage: node bench/interleave.js --runs 5 --a 'COMMAND' --b 'COMMAND' [--metric REGEX] (see the file's header)");
  process.exit(2);
}
const runs = Number(args.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error('--runs must be a positive integer');
  process.exit(2);
}
const logDir = args.log ?? mkdtempSync(path.join(tmpdir(), 'gatehouse-interleave-'));
mkdirSync(logDir, { recursive: true });

const sides = [
  { key: 'a', label: args['a-label'], command: args.a, cwd: args['a-cwd'], metric: args['a-metric'] ?? args.metric, values: [], cpu: [], failed: [] },
  { key: 'b', label: args['b-label'], command: args.b, cwd: args['b-cwd'], metric: args['b-metric'] ?? args.metric, values: [], cpu: [], failed: [] },
];
const unit = args.unit ?? (sides.some((side) => side.metric !== undefined) ? '' : 's');
const loads = () => loadavg().map((n) => n.toFixed(2)).join(' ');
const format = (n) => `${Number(n.toPrecision(4))}${unit === '' ? '' : ` ${unit}`}`;

/**
 * CPU seconds (user + system) used so far by this process's finished children and their
 * descendants, from /proc (Linux; null elsewhere). Less sensitive to other work on the
 * machine than wall time, so it is printed beside it.
 */
function childrenCpuSeconds() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // Fields 16 and 17 of stat (cutime, cstime), in clock ticks (100 a second on Linux).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

function run(side, round) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpuBefore = childrenCpuSeconds();
    const child = spawn('sh', ['-c', side.command], { cwd: side.cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = childrenCpuSeconds();
      if (cpuBefore !== null && cpuAfter !== null) side.cpu.push(cpuAfter - cpuBefore);
      const log = path.join(logDir, `${String(round).padStart(2, '0')}-${side.key}.log`);
      writeFileSync(log, `$ ${side.command}\n(cwd ${side.cwd}, exit ${code}, ${seconds.toFixed(1)} s)\n\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
      if (code !== 0 && !args['allow-failure']) return reject(new Error(`${side.label} (run ${round}) exited ${code}; output in ${log}`));
      if (code !== 0) side.failed.push(round);
      if (side.metric === undefined) return resolve(seconds);
      const match = new RegExp(side.metric).exec(`${stdout}\n${stderr}`);
      const value = Number(match?.[1]);
      if (match === null || !Number.isFinite(value)) return reject(new Error(`${side.label} (run ${round}): no figure matching /${side.metric}/; output in ${log}`));
      resolve(value);
    });
  });
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function summary(values) {
  return `median ${format(median(values))} (spread ${format(Math.min(...values))} – ${format(Math.max(...values))}, n=${values.length})`;
}

const startLoad = loads();
console.log(`load average at start: ${startLoad} (1, 5, 15 min); ${runs} runs per side, A, B alternately; logs in ${logDir}`);
for (const side of sides) console.log(`  ${side.label}: ${side.command}${side.cwd === process.cwd() ? '' : `   (in ${side.cwd})`}`);
try {
  for (let round = 1; round <= runs; round++) {
    for (const side of sides) {
      const load = loads();
      const value = await run(side, round);
      side.values.push(value);
      const cpu = side.cpu.at(-1);
      const failed = side.failed.includes(round) ? '  [exited non-zero]' : '';
      console.log(`run ${round} ${side.label}: ${format(value)}${cpu === undefined ? '' : `, CPU ${cpu.toFixed(1)} s`}   (load at start ${load})${failed}`);
    }
  }
} catch (error) {
  console.error(String(error.message));
  process.exitCode = 1;
}

const [a, b] = sides;
const rounds = Math.min(a.values.length, b.values.length);
if (rounds > 0) {
  console.log('');
  for (const side of sides) {
    const cpu = side.cpu.length === 0 ? '' : `; CPU (user + system) median ${median(side.cpu).toFixed(1)} s (spread ${Math.min(...side.cpu).toFixed(1)} – ${Math.max(...side.cpu).toFixed(1)} s)`;
    console.log(`${side.label}: ${summary(side.values)}${cpu}`);
  }
  const ratios = Array.from({ length: rounds }, (_, i) => b.values[i] / a.values[i]);
  const ratio = (n) => n.toFixed(3);
  console.log(
    `${b.label} / ${a.label}: per round median ${ratio(median(ratios))} (spread ${ratio(Math.min(...ratios))} – ${ratio(Math.max(...ratios))}); ratio of medians ${ratio(median(b.values.slice(0, rounds)) / median(a.values.slice(0, rounds)))}`,
  );
  console.log(`load average at start ${startLoad}, at end ${loads()}`);
}
