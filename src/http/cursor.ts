/**
 * Keyset pagination: one cursor codec and one page helper for every paged list.
 *
 * A cursor is the sort key of a page's last row: an opaque base64url JSON array of strings, one
 * per part of the key. Each list declares the shape of its key (`['timestamp', 'uuid']`,
 * `['seq']`, ...) and decodes against it; a cursor that does not decode to that shape, or whose
 * parts are out of the range the database can compare, is 400 INVALID_CURSOR at
 * `querystring.cursor`, on every list. Cursors of one list are refused by a list of another
 * shape. A sortable list's cursor starts with the name of the sort it was made under
 * (`db/keyset.ts`) and is refused under any other sort (docs/rules.md R91).
 */
import { AppError } from '../errors.js';

/**
 * The kinds of key part:
 * - `text`: any string the database can compare (no NUL byte, no lone surrogate);
 * - `uuid`: a row id;
 * - `timestamp`: an instant at millisecond precision, as toISOString() writes it (years 0001 to 9999), decoded to a Date;
 * - `micros`: microseconds since the epoch as a decimal string (PostgreSQL's precision, so a row
 *   written by SQL rather than the app's millisecond clock is never skipped or repeated), years 0001 to 9999;
 * - `seq`: a sequence number from 1 to 2^53 - 1 (exact as a JavaScript number and a PostgreSQL bigint).
 */
export type CursorPart = 'text' | 'uuid' | 'timestamp' | 'micros' | 'seq';

type PartValue<K extends CursorPart> = K extends 'timestamp' ? Date : string;

/** What a cursor of shape `S` decodes to: a Date for each `timestamp`, a string for every other part. */
export type DecodedCursor<S extends readonly CursorPart[]> = { -readonly [I in keyof S]: PartValue<S[I]> };

/** What a key part may be given as when encoding. */
export type CursorValue = string | Date | number | bigint;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The instants a cursor may name: years 0001 to 9999, what an ISO 8601 timestamp spells with four
 * digits and well inside what PostgreSQL's timestamptz holds. No row is ever written outside them.
 */
const MIN_MS = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');
const MIN_MICROS = BigInt(MIN_MS) * 1000n;
const MAX_MICROS = BigInt(MAX_MS) * 1000n + 999n;

/** The one answer to a cursor that this list did not make: 400 INVALID_CURSOR at `querystring.cursor`. */
function invalidCursor(): AppError {
  return new AppError('INVALID_CURSOR', { details: [{ path: 'querystring.cursor', message: 'is not a cursor from this list' }] });
}

/** Whether a decoded cursor part is a row id. */
function isUuid(value: string | undefined): value is string {
  return value !== undefined && UUID.test(value);
}

/** A text key part the database can compare: no NUL byte, no lone surrogate. */
function isTextPart(part: unknown): part is string {
  return typeof part === 'string' && !part.includes('\u0000') && !/\p{Cs}/u.test(part);
}

/** The part as its kind reads it, or null when it is not one. */
function decodePart(kind: CursorPart, part: string): string | Date | null {
  switch (kind) {
    case 'text':
      return part;
    case 'uuid':
      return isUuid(part) ? part : null;
    case 'timestamp': {
      if (!ISO_MS.test(part)) return null;
      const date = new Date(part);
      // A date that does not round-trip (2026-02-31) was rolled over by the parser.
      return Number.isNaN(date.getTime()) || date.toISOString() !== part ? null : date;
    }
    case 'micros': {
      if (!/^-?\d{1,20}$/.test(part)) return null;
      const micros = BigInt(part);
      return micros < MIN_MICROS || micros > MAX_MICROS ? null : micros.toString();
    }
    case 'seq': {
      if (!/^\d{1,20}$/.test(part)) return null;
      const seq = BigInt(part);
      return seq < 1n || seq > BigInt(Number.MAX_SAFE_INTEGER) ? null : seq.toString();
    }
  }
}

/** The cursor of a key: each part as text (a Date as toISOString() writes it). */
export function encodeCursor(key: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(key.map((part) => (part instanceof Date ? part.toISOString() : String(part))))).toString('base64url');
}

/** The key in `cursor`, checked part by part against `shape`; 400 INVALID_CURSOR for anything else. */
export function decodeCursor<const S extends readonly CursorPart[]>(cursor: string, shape: S): DecodedCursor<S>;
export function decodeCursor(cursor: string, shape: readonly CursorPart[]): (string | Date)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length || !parsed.every(isTextPart)) throw invalidCursor();
  const parts: string[] = parsed;
  return shape.map((kind, index) => {
    const part = parts[index];
    const value = part === undefined ? null : decodePart(kind, part);
    if (value === null) throw invalidCursor();
    return value;
  });
}

/**
 * The position in a sortable list's cursor made under `sort` (the parts after the sort's name),
 * checked against `shape` (the sort's name first, `db/keyset.ts` cursorShape); 400
 * INVALID_CURSOR for a cursor of another sort or shape.
 */
export function decodeSortedCursor(cursor: string, sort: string, shape: readonly Exclude<CursorPart, 'timestamp'>[]): string[] {
  const [name, ...position] = decodeCursor(cursor, shape);
  if (name !== sort) throw invalidCursor();
  return position;
}

/** A page of a list: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Splits a `limit + 1` fetch into a page and the cursor of the next one, made of `key` of the page's last row. */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => readonly CursorValue[]): Page<T> {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: last === undefined ? null : encodeCursor(key(last)) };
}
