/**
 * The docs cannot drift from the code: docs/http-api.md lists every error code of the catalogue
 * with its status, every configuration variable that src/config.ts reads, and every route the
 * app registers. (`node scripts/docs-errors.js` prints the error table.)
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, type ErrorCode } from './errors.js';
import { testApp, type TestApp } from './test/app.js';

const httpApi = readFileSync(new URL('../docs/http-api.md', import.meta.url), 'utf8');
const configSource = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');

/** Routes that are not part of the contract: the console's catch-all and built files, the API browser's files. */
const UNDOCUMENTED = /^\/\*$|^\/docs\/|^\/favicon\.svg$|^\/assets\//;

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

/** The table rows of the docs, as `| \`CODE\` | status |`. */
function documentedStatus(code: string): number | null {
  const row = new RegExp(`^\\| \`${code}\` \\| (\\d{3}) \\|`, 'm').exec(httpApi);
  return row?.[1] === undefined ? null : Number(row[1]);
}

describe('docs/http-api.md follows the code', () => {
  it('lists every error code of the catalogue with its status', () => {
    const wrong = (Object.keys(ERRORS) as ErrorCode[])
      .filter((code) => documentedStatus(code) !== ERRORS[code][0])
      .map((code) => `${code} (${String(ERRORS[code][0])})`);
    expect(wrong, 'missing or wrong in the error table of docs/http-api.md; run node scripts/docs-errors.js').toEqual([]);
  });

  it('lists no error code the catalogue does not have', () => {
    const documented = [...httpApi.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| \d{3} \|/gm)].map((match) => match[1]);
    expect(documented.filter((code) => code === undefined || !(code in ERRORS))).toEqual([]);
  });

  it('lists every environment variable that the configuration reads', () => {
    const variables = [...configSource.matchAll(/\(env, '([A-Z][A-Z0-9_]*)'/g)].flatMap((match) => (match[1] === undefined ? [] : [match[1]]));
    expect(variables.length).toBeGreaterThan(5);
    const configTable = httpApi.slice(httpApi.indexOf('## Configuration'));
    expect(variables.filter((name) => !new RegExp(`^\\|[^\\n]*\`${name}\``, 'm').test(configTable))).toEqual([]);
  });

  it('lists every route the app registers, with its method', () => {
    const rows = httpApi.split('\n').filter((line) => line.startsWith('| '));
    const missing = t.app.routeList
      .filter((route) => route.method !== 'HEAD' && !UNDOCUMENTED.test(route.url))
      .filter(({ method, url }) => !rows.some((row) => row.includes(`\`${url}\``) && new RegExp(`^\\| [^|\`]*\\b${method}\\b`).test(row)))
      .map(({ method, url }) => `${method} ${url}`);
    expect(missing, 'routes missing from the endpoint tables of docs/http-api.md').toEqual([]);
  });
});
