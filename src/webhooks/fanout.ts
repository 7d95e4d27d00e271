/**
 * The fan-out of events to webhook endpoints lives with the event log (events/event.fanout.ts),
 * which every change appends to; these names stay for the invitation create that builds its
 * delivery rows itself.
 */
export { webhookDeliveryRows, type WebhookDeliveryRow, type WebhookEndpointSubscription } from '../events/event.fanout.js';
