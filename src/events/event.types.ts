/** The one list of event types lives in a leaf (common/event-types.ts) so any feature may read it. */
export { EVENT_TYPES, type EventType } from '../common/event-types.js';
