/**
 * Request and answer schemas of the event routes: an event as the API shows it (also inside an
 * invitation's timeline) and the org's audit log. The OpenAPI document is generated from them.
 */
import { Type } from 'typebox';
import { component, ListQuery, Page, Timestamp, Uuid } from '../http/schemas.js';

export const EventComponent = component(
  'Event',
  Type.Object({
    id: Uuid,
    type: Type.String(),
    actor: Type.Object({
      type: Type.String(),
      id: Type.Union([Uuid, Type.Null()]),
      name: Type.Union([Type.String(), Type.Null()]),
      /** The app a user acted through with a widget token (docs/rules.md R84). */
      appId: Type.Union([Uuid, Type.Null()]),
    }),
  data: Type.Record(Type.String(), Type.Unknown()),
  occurredAt: Timestamp,
  invitationId: Type.Union([Uuid, Type.Null()]),
  userId: Type.Union([Uuid, Type.Null()]),
  personId: Type.Union([Uuid, Type.Null()]),
  }),
);
export const EventSchema = EventComponent.ref;

export const EventsQuery = Type.Object(
  {
    invitationId: Type.Optional(Uuid),
    type: Type.Optional(Type.String({ maxLength: 100 })),
    /** Whom the event concerns: its account's address, else its invitation's (case-insensitive). */
    subjectEmail: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    /** Who did it: the acting account or API key. */
    actorId: Type.Optional(Uuid),
    /** From this instant (inclusive) to that one (exclusive); `from` after `to` is INVALID_DATE_RANGE. */
    from: Type.Optional(Timestamp),
    to: Type.Optional(Timestamp),
    ...ListQuery,
  },
  { additionalProperties: false },
);

/** An event in the org's audit log: also whom it concerns (its account, else its invitation's address). */
export const AuditEventComponent = component(
  'AuditEvent',
  Type.Intersect([
    EventSchema,
    Type.Object({
      subject: Type.Object({ name: Type.Union([Type.String(), Type.Null()]), email: Type.Union([Type.String(), Type.Null()]) }),
    }),
  ]),
);

export const EventPage = Page(AuditEventComponent.ref);
