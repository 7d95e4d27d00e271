/**
 * Paging through a keyset list as a client would: every page with a small `limit`, following
 * `nextCursor` until it is null, so a test can compare the concatenated pages with the whole
 * order (no row skipped or repeated).
 */
import { expect } from 'vitest';
import type { TestApp } from './app.js';

/**
 * Every item of the list at `url` (its query without limit and cursor), `limit` at a time, as the
 * caller whose headers these are. Fails when a page is not 200 or the list does not end.
 */
export async function pageThrough<T>(t: TestApp, url: string, headers: Record<string, string>, limit = 2): Promise<T[]> {
  const all: T[] = [];
  const separator = url.includes('?') ? '&' : '?';
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages += 1) {
    const res = await t.inject({ url: `${url}${separator}limit=${String(limit)}${cursor === null ? '' : `&cursor=${cursor}`}`, headers });
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<{ items: T[]; nextCursor: string | null }>();
    all.push(...page.items);
    cursor = page.nextCursor;
    if (cursor === null) return all;
  }
  throw new Error(`${url} did not end after 1000 pages`);
}
