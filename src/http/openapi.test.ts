/**
 * The served OpenAPI document names every API object once, in `components.schemas`, and the
 * routes answer with references to them (common/component.ts): a presenter's shape is never
 * written out again inside a route's answer, so the console's types name it once too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test/app.js';

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  additionalProperties?: Schema | boolean;
  patternProperties?: Record<string, Schema>;
}
interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** Every subschema of `schema`, itself included, with its depth below it. */
function* walk(schema: Schema, depth = 0): Generator<[Schema, number]> {
  yield [schema, depth];
  const children = [
    ...Object.values(schema.properties ?? {}),
    ...Object.values(schema.patternProperties ?? {}),
    ...(schema.items === undefined ? [] : [schema.items]),
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
  ];
  for (const child of children) yield* walk(child, depth + 1);
  // The branches of a union or an intersection are the schema itself, not something inside it.
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) yield* walk(branch, depth);
}

const shapeOf = (schema: Schema) => Object.keys(schema.properties ?? {}).sort().join(',');

let t: TestApp;
let doc: Document;
beforeAll(async () => {
  t = await testApp();
  doc = (await t.inject({ url: '/openapi.json' })).json<Document>();
});
afterAll(async () => {
  await t.close();
});

/** [where, schema] of every JSON answer of every operation, and the status it answers with. */
function answers(): [string, string, Schema][] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) =>
      Object.entries(operation.responses).flatMap(([status, response]) => {
        const schema = response.content?.['application/json']?.schema;
        return schema === undefined ? [] : [[`${method.toUpperCase()} ${path} ${status}`, status, schema] as [string, string, Schema]];
      }),
    ),
  );
}

describe('the OpenAPI document', () => {
  it('names each API object as a component', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'Error',
        'User',
        'Membership',
        'Me',
        'MeOrg',
        'Org',
        'Resource',
        'Role',
        'Grant',
        'AccessEntry',
        'PendingAccess',
        'ApiKey',
        'NewApiKey',
        'Person',
        'Invitation',
        'InvitationDetail',
        'PublicInvitation',
        'Event',
        'AuditEvent',
        'Webhook',
        'NewWebhook',
        'WebhookDelivery',
      ]),
    );
  });

  it('answers every error with the Error component', () => {
    // GET /readyz declares its 503 (the status shape it also answers 200 with): not a catalogue error.
    const errors = answers().filter(([where, status]) => Number(status) >= 400 && where !== 'GET /readyz 503');
    expect(errors.length).toBeGreaterThan(100);
    for (const [where, , schema] of errors) expect([where, schema.$ref]).toEqual([where, '#/components/schemas/Error']);
  });

  it('answers a success with a component, or a wrapper (a page, `{ user }`) of components and plain values', () => {
    const successes = answers().filter(([, status]) => status.startsWith('2'));
    expect(successes.length).toBeGreaterThan(40);
    for (const [where, , schema] of successes) {
      for (const [inner, depth] of walk(schema)) {
        // Below the answer itself, an object is always a reference to a component.
        if (depth > 0) expect([where, shapeOf(inner)]).toEqual([where, '']);
      }
    }
  });

  it("never writes out a component's shape again, in an answer or in another component", () => {
    const shapes = new Map(
      Object.entries(doc.components.schemas)
        .filter(([, schema]) => schema.properties !== undefined)
        .map(([name, schema]) => [shapeOf(schema), name]),
    );
    expect(shapes.size, 'no two components share a shape').toBe(
      Object.values(doc.components.schemas).filter((schema) => schema.properties !== undefined).length,
    );
    const places: [string, Schema, Schema | null][] = [
      ...answers().map(([where, , schema]): [string, Schema, Schema | null] => [where, schema, null]),
      ...Object.entries(doc.components.schemas).map(([name, schema]): [string, Schema, Schema | null] => [`component ${name}`, schema, schema]),
    ];
    for (const [where, schema, self] of places) {
      for (const [inner] of walk(schema)) {
        if (inner === self || inner.properties === undefined) continue;
        expect([where, shapes.get(shapeOf(inner))]).toEqual([where, undefined]);
      }
    }
  });

  it('lists only components something refers to', () => {
    const text = JSON.stringify(doc.paths) + JSON.stringify(doc.components.schemas);
    for (const name of Object.keys(doc.components.schemas)) {
      expect([name, text.includes(`"#/components/schemas/${name}"`)]).toEqual([name, true]);
    }
  });
});
