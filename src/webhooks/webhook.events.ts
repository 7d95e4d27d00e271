/**
 * Event types an endpoint may subscribe to: every type Gatehouse writes, plus `*` for all of them.
 */
import { EVENT_TYPES } from '../events/event.types.js';

export const WEBHOOK_EVENT_TYPES = EVENT_TYPES;

export const ALL_EVENTS = '*';

export function isKnownEventType(type: string): boolean {
  return type === ALL_EVENTS || (WEBHOOK_EVENT_TYPES as readonly string[]).includes(type);
}
