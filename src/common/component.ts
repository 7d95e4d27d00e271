/**
 * A named schema of the OpenAPI document (`components.schemas[name]`), such as an API object its
 * presenter makes. `definition` carries the name as its `$id`; buildApp registers every
 * component's definition once (`app.addSchema`), and the served document lists it under that
 * name. Routes and other schemas use `ref`: a `$ref` to the definition with the definition's
 * static type, so a handler is still checked against the shape it answers with.
 */
import { type Static, type TSchema, type TUnsafe, Type } from 'typebox';

export interface Component<T extends TSchema> {
  readonly name: string;
  readonly definition: T & { $id: string };
  readonly ref: TUnsafe<Static<T>>;
}

export function component<T extends TSchema>(name: string, schema: T): Component<T> {
  return { name, definition: { ...schema, $id: name }, ref: Type.Unsafe<Static<T>>({ $ref: `${name}#` }) };
}
