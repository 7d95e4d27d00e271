/**
 * The migrations, by name. Names sort in the order they run; a new migration takes the next
 * number. Listed statically (not read from disk) so the built `dist/` needs nothing else.
 */
import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_initial.js';
import * as m0002invitations from './0002_invitations_lifecycle.js';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_invitations_lifecycle': m0002invitations,
};
