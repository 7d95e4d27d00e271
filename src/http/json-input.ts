/**
 * What every JSON request body must be before any route sees it: no NUL byte and no lone UTF-16
 * surrogate in any string or object key (PostgreSQL text and jsonb hold neither), and at most
 * MAX_BODY_DEPTH levels of nesting (jsonb and the JSON encoder recurse). A body that breaks this
 * is 400 VALIDATION_FAILED at the field, never a database error.
 *
 * A route whose body is a list of items answered one by one (bulk create) sets
 * `config: { bodyItemsCheckedAlone: true }` and runs jsonInputProblem on each item itself, so a
 * bad item fails alone.
 */
import type { FastifyInstance } from 'fastify';
import { AppError, type ErrorDetail } from '../errors.js';

/** Levels of nesting a request body may have, the body itself counting as one. */
export const MAX_BODY_DEPTH = 32;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks each item of its body with jsonInputProblem, so one bad item fails alone. */
    bodyItemsCheckedAlone?: boolean;
  }
}

/** What a string holds that the database cannot store, or null. */
function badText(text: string): string | null {
  if (text.includes('\u0000')) return 'a NUL byte';
  if (/\p{Cs}/u.test(text)) return 'a lone UTF-16 surrogate';
  return null;
}

/**
 * The first problem in a JSON value (a NUL byte or lone surrogate in a string or key, or more
 * than `maxDepth` levels of arrays and objects, the value itself counting as one), or null.
 * `path` names the value (`metadata`, or '' for a whole body); string problems are reported at
 * the string's own path, too-deep nesting at `path` (or the top-level field of a body).
 */
export function jsonInputProblem(value: unknown, maxDepth: number, path = ''): ErrorDetail | null {
  const join = (base: string, key: string | number) => (base === '' ? String(key) : `${base}.${String(key)}`);
  const walk = (node: unknown, at: string, depth: number, field: string): ErrorDetail | null => {
    if (typeof node === 'string') {
      const bad = badText(node);
      return bad === null ? null : { path: at, message: `must not contain ${bad}` };
    }
    if (typeof node !== 'object' || node === null) return null;
    if (depth > maxDepth) return { path: field, message: `must not nest deeper than ${String(maxDepth)} levels` };
    const entries: [string | number, unknown][] = Array.isArray(node) ? node.map((item, i) => [i, item]) : Object.entries(node);
    for (const [key, child] of entries) {
      if (typeof key === 'string') {
        const bad = badText(key);
        if (bad !== null) return { path: at === '' ? 'body' : at, message: `has a key containing ${bad}` };
      }
      const childPath = join(at, key);
      const problem = walk(child, childPath, depth + 1, field === '' ? childPath : field);
      if (problem !== null) return problem;
    }
    return null;
  };
  return walk(value, path, 1, path);
}

/** Checks every JSON object or array body before validation (a preValidation hook). */
export function registerJsonInputCheck(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null) return;
    if (request.routeOptions.config.bodyItemsCheckedAlone === true) return;
    const problem = jsonInputProblem(body, MAX_BODY_DEPTH);
    if (problem !== null) throw new AppError('VALIDATION_FAILED', { details: [problem] });
  });
}
