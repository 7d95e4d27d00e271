/**
 * API shapes of webhook endpoints and deliveries. The signing secret leaves the server only in
 * the create answer (presentCreatedEndpoint).
 */
import { Type } from 'typebox';
import type { OutboxRow, WebhookEndpointRow } from '../db/schema.js';
import { component, NullableTimestamp, Timestamp, Uuid } from '../http/schemas.js';

export const WebhookComponent = component(
  'Webhook',
  Type.Object({ id: Uuid, orgId: Uuid, url: Type.String(), events: Type.Array(Type.String()), createdAt: Timestamp }),
);
export const WebhookEndpointSchema = WebhookComponent.ref;

/** The create answer: the endpoint and, this once, its signing secret. */
export const NewWebhookComponent = component('NewWebhook', Type.Intersect([WebhookEndpointSchema, Type.Object({ secret: Type.String() })]));
export const CreatedWebhookEndpointSchema = NewWebhookComponent.ref;

export const WebhookDeliveryComponent = component(
  'WebhookDelivery',
  Type.Object({
    id: Uuid,
    /** The `webhook-id` header: the same on every retry. */
    messageId: Type.String(),
    eventType: Type.Union([Type.String(), Type.Null()]),
    /** When the event it carries happened (its payload's `timestamp`). */
    occurredAt: NullableTimestamp,
    status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    responseStatus: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    lastAttemptAt: NullableTimestamp,
    nextAttemptAt: NullableTimestamp,
    deliveredAt: NullableTimestamp,
  }),
);
export const WebhookDeliverySchema = WebhookDeliveryComponent.ref;

export function presentWebhookEndpoint(row: WebhookEndpointRow) {
  return { id: row.id, orgId: row.org_id, url: row.url, events: row.events, createdAt: row.created_at.toISOString() };
}

export function presentCreatedEndpoint(row: WebhookEndpointRow) {
  return { ...presentWebhookEndpoint(row), secret: row.secret };
}

export function presentWebhookDelivery(row: OutboxRow) {
  return {
    id: row.id,
    messageId: row.message_id,
    eventType: typeof row.payload.type === 'string' ? row.payload.type : null,
    occurredAt: typeof row.payload.timestamp === 'string' ? row.payload.timestamp : null,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.response_status,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
    nextAttemptAt: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    deliveredAt: row.sent_at?.toISOString() ?? null,
  };
}
