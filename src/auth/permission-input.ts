/**
 * Permission lists given by a caller (an API key's, a custom role's): checked against
 * PERMISSION_PATTERN and, in one of Gatehouse's own areas, against the permissions Gatehouse
 * knows. Apart from auth/permissions.ts because that module is shared with the console and
 * imports nothing; this one answers with the error catalogue's codes.
 */
import { AppError } from '../errors.js';
import { GATEHOUSE_PERMISSIONS, PERMISSION_PATTERN } from './permissions.js';

const PERMISSION = new RegExp(PERMISSION_PATTERN);
const GATEHOUSE_AREAS = new Set(GATEHOUSE_PERMISSIONS.map((permission) => permission.split(':')[0]));

/** The permission list, de-duplicated; 400 UNKNOWN_PERMISSION naming the first bad entry. */
export function parsePermissions(permissions: readonly string[], path = 'permissions'): string[] {
  permissions.forEach((permission, index) => {
    const known = (GATEHOUSE_PERMISSIONS as readonly string[]).includes(permission);
    if (!PERMISSION.test(permission) || (GATEHOUSE_AREAS.has(permission.split(':')[0]) && !known)) {
      throw new AppError('UNKNOWN_PERMISSION', { details: [{ path: `${path}.${String(index)}`, message: `"${permission}" is not a known permission` }] });
    }
  });
  return [...new Set(permissions)];
}
