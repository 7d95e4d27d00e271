/**
 * Small helpers shared by the org-scoped routes.
 */
import { AppError } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A decoded `[sortKey, id]` cursor whose last part must be a UUID; 400 INVALID_CURSOR otherwise. */
export function uuidCursor(parts: string[]): [string, string] {
  const [key, id] = parts;
  if (key === undefined || id === undefined || !UUID.test(id)) {
    throw new AppError('INVALID_CURSOR', { details: [{ path: 'querystring.cursor', message: 'is not a cursor' }] });
  }
  return [key, id];
}
