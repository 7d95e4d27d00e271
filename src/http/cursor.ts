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

/** The `size` strings encoded in `cursor`; 400 INVALID_CURSOR for anything else. */
export function decodeCursor(cursor: string, size: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== size || !parsed.every((part) => typeof part === 'string')) {
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

/** 400 INVALID_CURSOR for anything but a cursor made by encodeTimeIdCursor. */
export function decodeTimeIdCursor(cursor: string): TimeIdCursor {
  const [at = '', id] = cursor.split('|');
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || !isUuid(id)) throw invalidCursor();
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

export function decodeTimeCursor(raw: string): TimeCursor {
  const match = /^t:(-?\d{1,20}):(.+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (match?.[1] === undefined || !isUuid(match[2])) throw invalidCursor();
  return { micros: match[1], id: match[2] };
}

export function encodeSeqCursor(seq: number | string | bigint): string {
  return Buffer.from(`s:${String(seq)}`).toString('base64url');
}

export function decodeSeqCursor(raw: string): string {
  const match = /^s:(\d{1,20})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (match?.[1] === undefined) throw invalidCursor();
  return match[1];
}
