/**
 * docs/rules.md R42, for every route at once: nothing a client sends gets a 500. Each operation in
 * the served OpenAPI document is called with generated input (fast-check, fixed seed): path
 * parameters that are real ids, ids of nothing, or junk; the declared query and body fields
 * filled with arbitrary JSON, NUL bytes, long and odd strings; and bodies that are not objects.
 * Every answer must be below 500, and every error must have the documented shape.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test/app.js';
import { createResource, createUser, grant, ownerWithOrg, signIn } from '../test/fixtures.js';

interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

/** The parts of a JSON schema (as the served document has them) the generators below read. */
interface JsonSchema {
  type?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  minItems?: number;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

// FUZZ_SEED and FUZZ_RUNS explore further by hand; the suite runs the fixed seed.
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = Number(process.env.FUZZ_SEED ?? 18);
const NOBODY = '00000000-0000-4000-8000-000000000000';

/** Values that have broken services before: NUL bytes, lone surrogates, huge and odd strings. */
const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x'.repeat(10_000),
  '%00',
  '../../etc/passwd',
  "'; drop table users; --",
  '<script>alert(1)</script>',
  NOBODY,
  'not-a-uuid',
  '9999-99-99T99:99:99Z',
  '-1',
  '1e309',
);
const value: fc.Arbitrary<unknown> = fc.oneof(nasty, fc.jsonValue({ maxDepth: 2 }), fc.string(), fc.integer(), fc.boolean(), fc.constant(null));

let t: TestApp;
let operations: { method: string; path: string; op: Operation }[];

beforeAll(async () => {
  t = await testApp({ ALLOW_SIGNUP: 'true' });
  const doc = (await t.inject({ url: '/openapi.json' })).json<{ paths: Record<string, Record<string, Operation>> }>();
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
});
afterAll(async () => {
  await t.close();
});

/** A fresh owner, org, resource, person, invitation and webhook: real ids for the path parameters. */
async function stage() {
  const { org, cookie, user } = await ownerWithOrg(t);
  const resource = await createResource(t, org.id);
  const member = await createUser(t);
  await grant(t, member.id, org.id, 'member');
  const person = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/people`, headers: { cookie }, payload: { firstName: 'Pat', lastName: 'Doe', email: `pat.${member.id}@example.test` } });
  const invitation = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations`, headers: { cookie }, payload: { email: `inv.${member.id}@example.test`, role: 'member' } });
  const admin = await createUser(t, { is_instance_admin: true });
  return {
    cookie,
    adminCookie: await signIn(t, admin.email),
    ids: {
      orgId: org.id,
      resourceId: resource.id,
      userId: member.id,
      personId: person.json<{ id: string }>().id,
      id: invitation.json<{ id: string }>().id,
      key: 'member',
      keyId: NOBODY,
      webhookId: NOBODY,
      token: 'A'.repeat(43),
      trackingId: 'nothing',
      owner: user.id,
    } as Record<string, string>,
  };
}

describe('no 500 for anything a client sends', () => {
  it('covers every operation of the contract', () => {
    expect(operations.length).toBeGreaterThanOrEqual(60);
  });

  it('answers generated input on every operation below 500, with coded errors', async () => {
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const { method, path, op } of operations) {
      // Signing out or deleting the account would only end the session the next runs use.
      const { cookie, adminCookie, ids } = await stage();
      const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      const bodyNames = Object.keys(op.requestBody?.content?.['application/json']?.schema?.properties ?? {});
      const pathParam = (name: string) => fc.oneof(fc.constant(ids[name] ?? NOBODY), nasty.filter((s) => s !== ''), fc.string({ minLength: 1 }));
      const input = fc.record({
        params: fc.record(Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map(([, name = '']) => [name, pathParam(name)]))),
        query: fc.dictionary(fc.constantFrom(...queryNames, 'extra'), value, { maxKeys: 4 }),
        body: fc.oneof(
          { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...bodyNames, 'extra'), value, { maxKeys: 6 }) },
          { weight: 1, arbitrary: value },
        ),
        asAdmin: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(input, async ({ params, query, body, asAdmin }) => {
          const url =
            path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params[name]))) +
            (Object.keys(query).length === 0
              ? ''
              : `?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()}`);
          const unsafe = method !== 'GET' && method !== 'HEAD';
          const res = await t.inject({
            method,
            url,
            headers: { cookie: asAdmin ? adminCookie : cookie, ...(unsafe ? { 'content-type': 'application/json' } : {}) },
            ...(unsafe ? { payload: JSON.stringify(body) } : {}),
          });
          if (res.statusCode >= 500) {
            failures.push(`${method} ${url.slice(0, 200)} ${JSON.stringify(body).slice(0, 300)} → ${String(res.statusCode)} ${res.body.slice(0, 200)}`);
            return false;
          }
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 400 && res.headers['content-type']?.toString().includes('application/json') === true) {
            const error = res.json<{ error?: { code?: unknown; message?: unknown } }>().error;
            if (typeof error?.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(error.code) || typeof error.message !== 'string') {
              failures.push(`${method} ${url.slice(0, 200)} → ${String(res.statusCode)} without a coded error: ${res.body.slice(0, 200)}`);
              return false;
            }
          }
          return true;
        }),
        { numRuns: RUNS_PER_OPERATION, seed: SEED, endOnFailure: true },
        // A failure is recorded above (with its shrunk input); go on to the other operations.
      ).catch(() => undefined);
    }
    if (process.env.FUZZ_SEED !== undefined) console.log(Object.fromEntries(statuses));
    expect(failures.slice(0, 20)).toEqual([]);
    // Not vacuous: generated input also gets through validation to real work and real answers.
    const count = (from: number, to: number) => [...statuses].filter(([s]) => s >= from && s < to).reduce((n, [, c]) => n + c, 0);
    expect(count(200, 300)).toBeGreaterThan(50);
    expect(count(400, 500)).toBeGreaterThan(300);
  }, 300_000);
});

describe('what the generator found, pinned', () => {
  it('a NUL byte in a text field is 400 VALIDATION_FAILED and changes nothing', async () => {
    const { cookie, ids } = await stage();
    const url = `/api/v1/orgs/${ids.orgId ?? ''}/resources/${ids.resourceId ?? ''}`;
    const res = await t.inject({ method: 'PATCH', url, headers: { cookie }, payload: { name: 'a\u0000b' } });
    expect([res.statusCode, res.json<{ error: { code: string } }>().error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await t.inject({ url, headers: { cookie } })).json<{ name: string }>().name).toBe('Downtown');
  });

  it('a path parameter longer than the router accepts is 414 URL_TOO_LONG with a coded error', async () => {
    const { cookie } = await stage();
    const res = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${'x'.repeat(300)}/people/${'y'.repeat(300)}`, headers: { cookie } });
    expect(res.statusCode).toBe(414);
    const { error } = res.json<{ error: { code: string; message: string } }>();
    expect([error.code, typeof error.message]).toEqual(['URL_TOO_LONG', 'string']);
  });
});

/** A value the schema accepts, as small as it gets: the rest of a body around the field under test. */
function validFor(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined) return schema.enum[0];
  if (schema.anyOf !== undefined) {
    return schema.anyOf.some((branch) => branch.type === 'null') ? null : validFor(schema.anyOf[0] ?? {});
  }
  switch (schema.type) {
    case 'string': {
      if (schema.format === 'email') return 'someone@example.test';
      if (schema.format === 'uuid') return NOBODY;
      if (schema.format === 'date-time') return new Date(Date.now() + 7 * 86_400_000).toISOString();
      if (schema.format === 'uri') return 'https://example.test/';
      const candidates = ['abcdefghijkl', 'abc:def', 'abc', 'A'.repeat(43)];
      return (
        candidates.find(
          (candidate) =>
            (schema.pattern === undefined || new RegExp(schema.pattern, 'u').test(candidate)) &&
            candidate.length >= (schema.minLength ?? 0) &&
            candidate.length <= (schema.maxLength ?? Infinity),
        ) ?? 'abcdefghijkl'
      );
    }
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return (schema.minItems ?? 0) > 0 ? [validFor(schema.items ?? {})] : [];
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((name) => [name, validFor(schema.properties?.[name] ?? {})]));
    default:
      return 'abc';
  }
}

const jsonType = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);

/** The JSON types a schema accepts (integer counts as number); empty when it does not say. */
function acceptedTypes(schema: JsonSchema): Set<string> {
  if (schema.anyOf !== undefined) return new Set(schema.anyOf.flatMap((branch) => [...acceptedTypes(branch)]));
  if (schema.type !== undefined) return new Set([schema.type === 'integer' ? 'number' : schema.type]);
  const values = schema.const !== undefined ? [schema.const] : (schema.enum ?? []);
  return new Set(values.map(jsonType));
}

/** Wrong JSON types for a field, the ones a coercing validator would have quietly converted first. */
function wrongFor(schema: JsonSchema): unknown[] {
  const accepted = acceptedTypes(schema);
  if (accepted.size === 0) return [];
  const first = accepted.has('string') ? [['x'], 7] : accepted.has('number') ? ['7', [7]] : accepted.has('boolean') ? ['true', 1] : accepted.has('array') ? [{ x: 1 }, 'x'] : ['x', ['x']];
  return [...first, true, { x: 1 }, ['x'], 'x', 7].filter((value) => !accepted.has(jsonType(value))).slice(0, 2);
}

describe('a wrong JSON type in a body is never coerced', () => {
  it('answers a wrong JSON type in every declared body field of every operation 400 VALIDATION_FAILED at that field', async () => {
    const { cookie, ids } = await stage();
    const failures: string[] = [];
    let checked = 0;
    for (const { method, path, op } of operations) {
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (schema?.properties === undefined) continue;
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? NOBODY);
      const base = validFor(schema) as Record<string, unknown>;
      const cases: { path: string; body: Record<string, unknown> }[] = [];
      for (const [name, field] of Object.entries(schema.properties)) {
        for (const wrong of wrongFor(field)) cases.push({ path: name, body: { ...base, [name]: wrong } });
        // One level down, where a body nests an object of settings.
        for (const [inner, innerField] of Object.entries(field.properties ?? {})) {
          const around = validFor(field) as Record<string, unknown>;
          for (const wrong of wrongFor(innerField)) cases.push({ path: `${name}.${inner}`, body: { ...base, [name]: { ...around, [inner]: wrong } } });
        }
      }
      for (const { path: fieldPath, body } of cases) {
        checked += 1;
        const res = await t.inject({ method, url, headers: { cookie, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        const error = res.json<{ error?: { code?: string; details?: { path: string }[] } }>().error;
        const paths = (error?.details ?? []).map((detail) => detail.path);
        if (res.statusCode !== 400 || error?.code !== 'VALIDATION_FAILED' || !paths.includes(fieldPath)) {
          failures.push(`${method} ${path} ${fieldPath}=${JSON.stringify(body[fieldPath.split('.')[0] ?? ''])} → ${String(res.statusCode)} ${res.body.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  }, 300_000);
});
