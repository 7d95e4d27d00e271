/**
 * The append-only event log. Every state change writes its event through appendEvent, in the
 * transaction of the change; the same call queues the org's webhook deliveries in that
 * transaction, so a rollback leaves neither behind.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ActorType, DB, EventRow, JsonObject } from '../db/schema.js';
import type { EventType } from './event.types.js';
import { enqueueOutbox } from '../outbox/outbox.repository.js';
import { webhookDeliveryRows } from './event.fanout.js';

export interface EventActor {
  type: ActorType;
  id: string | null;
  label: string | null;
  /** The app a user acted through with a widget token (docs/rules.md R84). */
  appId?: string | null;
}

export const SYSTEM_ACTOR: EventActor = { type: 'system', id: null, label: 'Gatehouse' };

export interface NewEvent {
  type: EventType;
  orgId: string | null;
  actor: EventActor;
  invitationId?: string | null;
  userId?: string | null;
  personId?: string | null;
  data?: JsonObject;
  occurredAt: Date;
}

/** The row of an event as written (single, bulk, and the invitation create's one-statement write). */
export function eventValues(event: NewEvent) {
  return {
    type: event.type,
    org_id: event.orgId,
    invitation_id: event.invitationId ?? null,
    user_id: event.userId ?? null,
    person_id: event.personId ?? null,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    actor_label: event.actor.label,
    actor_app_id: event.actor.appId ?? null,
    data: JSON.stringify(event.data ?? {}),
    occurred_at: event.occurredAt,
  };
}

export async function appendEvent(trx: Transaction<DB> | Kysely<DB>, event: NewEvent): Promise<EventRow> {
  const row = await trx
    .insertInto('events')
    .values(eventValues(event))
    .returningAll()
    .executeTakeFirstOrThrow();
  if (row.org_id !== null) await enqueueWebhookDeliveries(trx, row);
  return row;
}

/**
 * appendEvent for many events at once (bulk invitation create): one insert, then the webhook
 * fan-out of each, in the caller's transaction.
 */
export async function appendEvents(
  trx: Transaction<DB> | Kysely<DB>,
  events: readonly NewEvent[],
  /** 'none' when the caller read, in this transaction, that the org has no webhook endpoints. */
  webhooks: 'check' | 'none' = 'check',
): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const rows = await trx
    .insertInto('events')
    .values(events.map(eventValues))
    .returningAll()
    .execute();
  const orgIds = [...new Set(rows.flatMap((row) => (row.org_id === null ? [] : [row.org_id])))];
  // Most orgs have no endpoints: one look before fanning out event by event.
  if (orgIds.length > 0 && webhooks === 'check') {
    const endpoint = await trx.selectFrom('webhook_endpoints').select('id').where('org_id', 'in', orgIds).executeTakeFirst();
    if (endpoint !== undefined) for (const row of rows) await enqueueWebhookDeliveries(trx, row);
  }
  return rows;
}

/** Queues the event's deliveries to the org's endpoints that subscribe to its type. */
async function enqueueWebhookDeliveries(trx: Transaction<DB> | Kysely<DB>, event: EventRow): Promise<void> {
  if (event.org_id === null) return;
  const endpoints = await trx.selectFrom('webhook_endpoints').select(['id', 'events']).where('org_id', '=', event.org_id).execute();
  await enqueueOutbox(trx, webhookDeliveryRows(event, endpoints));
}

/** Events of one invitation in the order they happened (for its timeline and for replay). */
export async function listInvitationEvents(db: Kysely<DB>, invitationId: string): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().where('invitation_id', '=', invitationId).orderBy('seq').execute();
}

export interface OrgEventRow extends EventRow {
  subject_email: string | null;
  subject_first_name: string | null;
  subject_last_name: string | null;
}

/**
 * An org's events, newest first (by `seq`), each with whom it concerns: the account it names,
 * else its invitation's address and names. Read at list time, not stored in the event, so a deleted
 * account's name leaves the audit trail with its row.
 */
export async function listOrgEvents(
  db: Kysely<DB>,
  options: {
    orgId: string;
    invitationId: string | null;
    type: string | null;
    subjectEmail: string | null;
    actorId: string | null;
    from: Date | null;
    to: Date | null;
    beforeSeq: number | null;
    limit: number;
  },
): Promise<OrgEventRow[]> {
  let query = db
    .selectFrom('events')
    .leftJoin('users', 'users.id', 'events.user_id')
    .leftJoin('invitations', 'invitations.id', 'events.invitation_id')
    .selectAll('events')
    .select((eb) => [
      eb.fn.coalesce('users.email', 'invitations.email').as('subject_email'),
      // The invitation's names until the invitee has an account: one person reads the same in every row.
      eb.fn.coalesce('users.first_name', 'invitations.first_name').as('subject_first_name'),
      eb.fn.coalesce('users.last_name', 'invitations.last_name').as('subject_last_name'),
    ])
    .where('events.org_id', '=', options.orgId);
  if (options.invitationId !== null) query = query.where('events.invitation_id', '=', options.invitationId);
  if (options.type !== null) query = query.where('events.type', '=', options.type);
  if (options.subjectEmail !== null) {
    const email = options.subjectEmail.toLowerCase();
    query = query.where((eb) => eb(eb.fn('lower', [eb.fn.coalesce('users.email', 'invitations.email')]), '=', email));
  }
  if (options.actorId !== null) query = query.where('events.actor_id', '=', options.actorId);
  if (options.from !== null) query = query.where('events.occurred_at', '>=', options.from);
  if (options.to !== null) query = query.where('events.occurred_at', '<', options.to);
  if (options.beforeSeq !== null) query = query.where('events.seq', '<', options.beforeSeq);
  return query.orderBy('events.seq', 'desc').limit(options.limit).execute();
}

/** An org event for the audit log: the event and `subject: { name, email }` (nulls when unknown). */
export function presentOrgEvent(row: OrgEventRow) {
  const name = `${row.subject_first_name ?? ''} ${row.subject_last_name ?? ''}`.trim();
  return { ...presentEvent(row), subject: { name: name === '' ? null : name, email: row.subject_email } };
}

/** Presents an event for the API: `{ id, type, actor, data, occurredAt }`. */
export function presentEvent(row: EventRow) {
  return {
    id: row.id,
    type: row.type,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_label, appId: row.actor_app_id },
    data: row.data,
    occurredAt: row.occurred_at.toISOString(),
    invitationId: row.invitation_id,
    userId: row.user_id,
    personId: row.person_id,
  };
}

/** Renames a user in the audit trail they acted in (account deletion keeps the id, drops the name). */
export async function relabelUserActor(trx: Transaction<DB>, userId: string, label: string): Promise<void> {
  await trx.updateTable('events').set({ actor_label: label }).where('actor_type', '=', 'user').where('actor_id', '=', userId).execute();
}
