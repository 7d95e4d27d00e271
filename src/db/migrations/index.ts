/**
 * The migrations, by name. Names sort in the order they run; a new migration takes the next
 * number. Listed statically (not read from disk) so the built `dist/` needs nothing else.
 */
import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_initial.js';
import * as m0002accounts from './0002_accounts_indexes.js';
import * as m0002invitations from './0002_invitations_lifecycle.js';
import * as m0002mail from './0002_mail_delivery_log.js';
import * as m0003mailbox from './0003_mailbox_headers.js';
import * as m0004orgTrust from './0004_org_trust.js';
import * as m0004outbox from './0004_outbox_topic.js';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_accounts_indexes': m0002accounts,
  '0002_invitations_lifecycle': m0002invitations,
  '0002_mail_delivery_log': m0002mail,
  '0003_mailbox_headers': m0003mailbox,
  '0004_org_trust': m0004orgTrust,
  '0004_outbox_topic': m0004outbox,
};
