/**
 * Keyset pagination cursors: the sort key of a page's last row, as base64url JSON. A cursor is
 * opaque to clients; one that does not decode to the expected shape is 400 INVALID_CURSOR, on
 * every list.
 */
import { AppError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The one answer to a cursor that this list did not make: 400 INVALID_CURSOR at `querystring.cursor`. */
export function invalidCursor(): AppError {
  return new AppError('INVALID_CURSOR', { details: [{ path: 'querystring.cursor', message: 'is not a cursor from this list' }] });
}

/** Whether a decoded cursor part is a row id. */
export function isUuid(value: string | undefined): value is string {
  return value !== undefined && UUID.test(value);
}

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The instants a cursor may name: years 0001 to 9999, what an ISO 8601 timestamp spells with four
 * digits and well inside what PostgreSQL's timestamptz holds. No row is ever written outside them.
 */
const MIN_MS = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** A text key part the database can compare: no NUL byte, no lone surrogate. */
function isTextPart(part: unknown): part is string {
  return typeof part === 'string' && !part.includes('\u0000') && !/\p{Cs}/u.test(part);
}

/** The `size` strings encoded in `cursor`; 400 INVALID_CURSOR for anything else. */
export function decodeCursor(cursor: string, size: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== size || !parsed.every(isTextPart)) {
    throw invalidCursor();
  }
  return parsed;
}

/** A decoded `[sortKey, id]` cursor whose last part must be a row id; 400 INVALID_CURSOR otherwise. */
export function uuidCursor(parts: string[]): [string, string] {
  const [key, id] = parts;
  if (key === undefined || !isUuid(id)) throw invalidCursor();
  return [key, id];
}

/** Splits a `limit + 1` fetch into a page and the cursor of the next one. */
export function pageOf<T>(rows: T[], limit: number, key: (row: T) => readonly string[]): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: last === undefined ? null : encodeCursor(key(last)) };
}

/** A `(timestamp, id)` keyset position, newest-first lists (webhook endpoints and deliveries, the mailbox). */
export interface TimeIdCursor {
  at: Date;
  id: string;
}

export function encodeTimeIdCursor(at: Date, id: string): string {
  return `${at.toISOString()}|${id}`;
}

/**
 * 400 INVALID_CURSOR for anything but a cursor made by encodeTimeIdCursor: exactly an ISO
 * timestamp as toISOString() writes it (a real calendar date, years 0001 to 9999), `|`, a row id.
 */
export function decodeTimeIdCursor(cursor: string): TimeIdCursor {
  const parts = cursor.split('|');
  const [at = '', id] = parts;
  if (parts.length !== 2 || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(at) || !isUuid(id)) throw invalidCursor();
  const date = new Date(at);
  // A date that does not round-trip (2026-02-31) was rolled over by the parser.
  if (Number.isNaN(date.getTime()) || date.toISOString() !== at) throw invalidCursor();
  return { at: date, id };
}

// Invitations and the event log page with their own formats: a `(timestamp, id)` key kept at
// PostgreSQL's microsecond precision, so a row written by SQL (not by the app's millisecond
// clock) is never skipped or repeated; and the event log's sequence number.

export interface TimeCursor {
  /** Microseconds since the epoch, as a decimal string (beyond Number's exact range in general). */
  micros: string;
  id: string;
}

export function encodeTimeCursor(cursor: TimeCursor): string {
  return Buffer.from(`t:${cursor.micros}:${cursor.id}`).toString('base64url');
}

const MIN_MICROS = BigInt(MIN_MS) * 1000n;
const MAX_MICROS = BigInt(MAX_MS) * 1000n + 999n;

/** 400 INVALID_CURSOR unless the microseconds name an instant in years 0001 to 9999 and the id is a row id. */
export function decodeTimeCursor(raw: string): TimeCursor {
  const match = /^t:(-?\d{1,20}):(.+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (match?.[1] === undefined || !isUuid(match[2])) throw invalidCursor();
  const micros = BigInt(match[1]);
  if (micros < MIN_MICROS || micros > MAX_MICROS) throw invalidCursor();
  return { micros: micros.toString(), id: match[2] };
}

export function encodeSeqCursor(seq: number | string | bigint): string {
  return Buffer.from(`s:${String(seq)}`).toString('base64url');
}

/**
 * 400 INVALID_CURSOR unless it is a sequence number from 1 to 2^53 - 1: every event the log will
 * hold, exact as a JavaScript number and as a PostgreSQL bigint.
 */
export function decodeSeqCursor(raw: string): string {
  const match = /^s:(\d{1,20})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (match?.[1] === undefined) throw invalidCursor();
  const seq = BigInt(match[1]);
  if (seq < 1n || seq > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidCursor();
  return seq.toString();
}
