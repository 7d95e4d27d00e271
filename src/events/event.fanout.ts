/**
 * Fan-out of an event to the org's webhook endpoints: one outbox row per subscribed endpoint,
 * written in the event's own transaction (appendEvent, and the one-statement invitation create).
 * It lives with the event log, below webhooks, so appending an event needs no feature; the
 * dispatcher's webhook deliverer signs and delivers the rows.
 */
import { randomUUID } from 'node:crypto';
import type { EventRow } from '../db/schema.js';
import type { NewOutboxRow } from '../outbox/outbox.repository.js';

/** What a delivery carries of its event. */
export type DeliverableEvent = Pick<
  EventRow,
  'id' | 'type' | 'org_id' | 'invitation_id' | 'user_id' | 'person_id' | 'actor_type' | 'actor_id' | 'data' | 'occurred_at'
>;

export interface WebhookEndpointSubscription {
  id: string;
  /** Event types, or `*` for all. */
  events: readonly string[];
}

/** The outbox rows of an event's deliveries to those of `endpoints` that subscribe to its type. */
export function webhookDeliveryRows(event: DeliverableEvent, endpoints: readonly WebhookEndpointSubscription[]) {
  if (event.org_id === null) return [];
  const subscribed = endpoints.filter((endpoint) => endpoint.events.includes('*') || endpoint.events.includes(event.type));
  if (subscribed.length === 0) return [];
  const payload = JSON.stringify({
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
  });
  return subscribed.map((endpoint) => ({
    kind: 'webhook' as const,
    topic: null,
    org_id: event.org_id,
    invitation_id: event.invitation_id,
    webhook_endpoint_id: endpoint.id,
    message_id: `msg_${randomUUID().replaceAll('-', '')}`,
    payload,
    next_attempt_at: event.occurred_at,
  }) satisfies NewOutboxRow);
}

export type WebhookDeliveryRow = ReturnType<typeof webhookDeliveryRows>[number];
