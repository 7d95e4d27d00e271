/**
 * The migrations, by name. Names sort in the order they run: a four-digit sequence number, one
 * per migration, never shared; a new migration takes the next free number. Listed statically
 * (not read from disk) so the built `dist/` needs nothing else.
 *
 * A renamed migration keeps its old name in RENAMED_MIGRATIONS, so a database that applied it
 * under the old name is recognised (migrateToLatest renames the record before migrating).
 */
import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_accounts_indexes.js';
import * as m0003 from './0003_invitations_lifecycle.js';
import * as m0004 from './0004_mail_delivery_log.js';
import * as m0005 from './0005_mailbox_headers.js';
import * as m0006 from './0006_org_trust.js';
import * as m0007 from './0007_outbox_topic.js';
import * as m0008 from './0008_apps.js';
import * as m0009 from './0009_oidc.js';
import * as m0010 from './0010_org_branding.js';
import * as m0011 from './0011_invitation_landing.js';
import * as m0012 from './0012_widget_tokens.js';
import * as m0013 from './0013_list_sorts.js';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_accounts_indexes': m0002,
  '0003_invitations_lifecycle': m0003,
  '0004_mail_delivery_log': m0004,
  '0005_mailbox_headers': m0005,
  '0006_org_trust': m0006,
  '0007_outbox_topic': m0007,
  '0008_apps': m0008,
  '0009_oidc': m0009,
  '0010_org_branding': m0010,
  '0011_invitation_landing': m0011,
  '0012_widget_tokens': m0012,
  '0013_list_sorts': m0013,
};

/**
 * Old name → current name, for migrations applied under a name they no longer have. Until
 * these renames, several migrations shared a number and ran in the order of their full names;
 * the current names keep that order.
 */
export const RENAMED_MIGRATIONS: Readonly<Record<string, string>> = {
  '0002_invitations_lifecycle': '0003_invitations_lifecycle',
  '0002_mail_delivery_log': '0004_mail_delivery_log',
  '0003_mailbox_headers': '0005_mailbox_headers',
};
