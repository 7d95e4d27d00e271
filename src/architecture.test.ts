/**
 * The layering of docs/architecture.md, checked on the source itself: SQL is written only in repository
 * files (`*.repository.ts`) and in the database layer (`src/db/`), so every table's readers and writers
 * can be found in one place per folder. The import boundaries are checked by dependency-cruiser
 * (`.dependency-cruiser.cjs`, `npm run lint:deps`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKEND_FREE_TESTS, DATABASE_IMPORT } from './test/backend-free.js';

const SRC = join(import.meta.dirname);

/** Kysely's query entry points, and raw SQL run on its own. */
const QUERY_BUILDER = /\.(selectFrom|insertInto|updateTable|deleteFrom|mergeInto|replaceInto)\(|`\s*\.execute\(/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function mayHoldQueries(file: string): boolean {
  return (
    file.endsWith('.repository.ts') ||
    file.endsWith('.test.ts') ||
    file.startsWith('db/') ||
    file.startsWith('test/') ||
    file.endsWith('test-fixtures.ts')
  );
}

describe('architecture', () => {
  it('writes queries only in repositories and the database layer', () => {
    const offenders = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((file) => !mayHoldQueries(file))
      .map((file) => ({ file, count: (readFileSync(join(SRC, file), 'utf8').match(QUERY_BUILDER) ?? []).length }))
      .filter(({ count }) => count > 0)
      .map(({ file, count }) => `${file} (${count})`);
    expect(offenders).toEqual([]);
  });

  it('runs once only the test files that never reach a database', () => {
    const root = join(SRC, '..');
    const reaching = BACKEND_FREE_TESTS.filter((file) => DATABASE_IMPORT.test(readFileSync(join(root, file), 'utf8')));
    expect(reaching).toEqual([]);
    expect(DATABASE_IMPORT.test(readFileSync(join(SRC, 'people/person.routes.test.ts'), 'utf8'))).toBe(true);
  });
});
