/**
 * Fan-out of an event to the org's webhook endpoints: one outbox row per subscribed endpoint,
 * written in the event's own transaction. The dispatcher signs and delivers them.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { DB, EventRow } from '../db/schema.js';

export async function enqueueWebhookDeliveries(trx: Transaction<DB> | Kysely<DB>, event: EventRow): Promise<void> {
  if (event.org_id === null) return;
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'events'])
    .where('org_id', '=', event.org_id)
    .execute();
  const subscribed = endpoints.filter((endpoint) => endpoint.events.includes('*') || endpoint.events.includes(event.type));
  if (subscribed.length === 0) return;
  const payload = {
    type: event.type,
    timestamp: event.occurred_at.toISOString(),
    // The event's own data first, so nothing in it can overwrite the ids that say what it is about.
    data: {
      ...event.data,
      eventId: event.id,
      orgId: event.org_id,
      invitationId: event.invitation_id,
      userId: event.user_id,
      personId: event.person_id,
      actor: { type: event.actor_type, id: event.actor_id },
    },
  };
  await trx
    .insertInto('outbox')
    .values(
      subscribed.map((endpoint) => ({
        kind: 'webhook' as const,
        org_id: event.org_id,
        invitation_id: event.invitation_id,
        webhook_endpoint_id: endpoint.id,
        message_id: `msg_${randomUUID().replaceAll('-', '')}`,
        payload: JSON.stringify(payload),
        next_attempt_at: event.occurred_at,
      })),
    )
    .execute();
}
