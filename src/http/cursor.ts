/**
 * Keyset pagination cursors: the sort key of a page's last row, as base64url JSON. A cursor is
 * opaque to clients; one that does not decode to the expected shape is 400 INVALID_CURSOR.
 */
import { AppError } from '../errors.js';

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The `size` strings encoded in `cursor`; 400 INVALID_CURSOR for anything else. */
export function decodeCursor(cursor: string, size: number): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new AppError('INVALID_CURSOR', { details: [{ path: 'querystring.cursor', message: 'is not a cursor' }] });
  }
  if (!Array.isArray(parsed) || parsed.length !== size || !parsed.every((part) => typeof part === 'string')) {
    throw new AppError('INVALID_CURSOR', { details: [{ path: 'querystring.cursor', message: 'is not a cursor' }] });
  }
  return parsed;
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

/** 400 VALIDATION_FAILED (at `cursor`) for anything but a cursor made by encodeTimeIdCursor. */
export function decodeTimeIdCursor(cursor: string): TimeIdCursor {
  const [at = '', id = ''] = cursor.split('|');
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new AppError('VALIDATION_FAILED', { details: [{ path: 'cursor', message: 'is not a cursor from this list' }] });
  }
  return { at: date, id };
}
