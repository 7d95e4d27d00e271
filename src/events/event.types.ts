/** The one list of event types lives in a leaf (shared/event-types.ts) so any feature may read it. */
export { EVENT_TYPES, type EventType } from '../shared/event-types.js';
