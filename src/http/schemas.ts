/**
 * Schemas shared by many routes: named components, the error shape, ids, list pages.
 */
import { type TSchema, Type } from 'typebox';
import { component } from '../common/component.js';
import { ERROR_CODES } from '../errors.js';

export { component };

/** Every error answer. `code` is one of the catalogue's, so a client can switch on it exhaustively. */
export const ErrorComponent = component(
  'Error',
  Type.Object({
    error: Type.Object(
      {
        code: Type.Enum(ERROR_CODES),
        message: Type.String(),
        details: Type.Array(Type.Object({ path: Type.String(), message: Type.String() })),
      },
      { additionalProperties: true },
    ),
  }),
);
export const ErrorSchema = ErrorComponent.ref;

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** Something named by its id: an org on a membership, the app an accepted invitation lands in. */
export const NamedComponent = component('Named', Type.Object({ id: Uuid, name: Type.String() }));

/**
 * A field of a request body that may be null to clear it. `null` comes first: bodies are
 * validated without coercion today, but a coercing validator (the one query strings use) tries
 * anyOf branches in order and coerces on the way, so `[String, Null]` would turn a JSON null into
 * "" before the Null branch is reached.
 */
export function NullableInput<T extends TSchema>(schema: T) {
  return Type.Union([Type.Null(), schema]);
}

export const OrgParams = Type.Object({ orgId: Uuid });

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

/** A page of a list: its items (a component's `ref`) and the cursor of the next page. */
export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}
