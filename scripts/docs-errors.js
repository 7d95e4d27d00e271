// Prints the error-code table of docs/http-api.md from the catalogue in src/errors.ts, grouped as
// the catalogue groups them: `node scripts/docs-errors.js`, then paste over the table.
// src/errors.docs.test.ts fails when the table in the docs misses a code or shows a wrong status.
import { readFileSync } from 'node:fs';

const source = readFileSync(new URL('../src/errors.ts', import.meta.url), 'utf8');
const catalogue = source.slice(source.indexOf('export const ERRORS'), source.indexOf('} as const'));
const lines = ['| code | status | meaning |', '|---|---|---|'];
for (const line of catalogue.split('\n')) {
  const group = /^\s*\/\/\s*(.+)$/.exec(line);
  if (group?.[1] !== undefined) {
    lines.push(`| **${group[1]}** | | |`);
    continue;
  }
  const entry = /^\s*([A-Z][A-Z0-9_]*): \[(\d{3}), '((?:[^'\\]|\\.)*)'\],?$/.exec(line);
  if (entry !== null) lines.push(`| \`${entry[1]}\` | ${entry[2]} | ${entry[3].replaceAll("\\'", "'").replaceAll('|', '\\|')} |`);
}
console.log(lines.join('\n'));
