/**
 * Keyset cursors: opaque base64url of the last row's sort key. Timestamps travel as
 * microseconds since the epoch (PostgreSQL's precision), so a row written with microseconds
 * (by SQL, not by the app's millisecond clock) is never skipped or repeated.
 */
import { AppError } from '../errors.js';

export interface TimeCursor {
  /** Microseconds since the epoch, as a decimal string (beyond Number's exact range in general). */
  micros: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(): AppError {
  return new AppError('VALIDATION_FAILED', { details: [{ path: 'query.cursor', message: 'is not a cursor from this list' }] });
}

export function encodeTimeCursor(cursor: TimeCursor): string {
  return Buffer.from(`t:${cursor.micros}:${cursor.id}`).toString('base64url');
}

export function decodeTimeCursor(raw: string): TimeCursor {
  const match = /^t:(-?\d{1,20}):(.+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (match?.[1] === undefined || match[2] === undefined || !UUID.test(match[2])) throw invalid();
  return { micros: match[1], id: match[2] };
}

export function encodeSeqCursor(seq: number | string | bigint): string {
  return Buffer.from(`s:${String(seq)}`).toString('base64url');
}

export function decodeSeqCursor(raw: string): string {
  const match = /^s:(\d{1,20})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  if (match?.[1] === undefined) throw invalid();
  return match[1];
}
