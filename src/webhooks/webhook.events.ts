/**
 * Event types an endpoint may subscribe to: every type Gatehouse writes (common/event-types.ts),
 * plus `*` for all of them.
 */
import { EVENT_TYPES } from '../common/event-types.js';

const ALL_EVENTS = '*';

export function isKnownEventType(type: string): boolean {
  return type === ALL_EVENTS || (EVENT_TYPES as readonly string[]).includes(type);
}
