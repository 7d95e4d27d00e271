/**
 * What the framework refuses before a route runs leaves with its own catalogue code: an unknown
 * address, a body that is too large, of the wrong type, not JSON, empty, or shorter than its
 * Content-Length, a malformed or too long address. Nothing falls through to a code that means
 * something else.
 */
import { errorCodes, type FastifyError, type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS } from '../errors.js';
import { testApp, type TestApp } from '../test/app.js';
import { FASTIFY_ERRORS, toAppError } from './errors.plugin.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

const SIGN_IN = '/api/v1/auth/sign-in';

function answer(res: LightMyRequestResponse) {
  const { error } = res.json<{ error: { code: string; message: string; details: unknown[] } }>();
  expect(typeof error.message).toBe('string');
  expect(error.details).toEqual([]);
  return [res.statusCode, error.code];
}

describe('framework errors over HTTP', () => {
  it('an unknown API address is 404 NOT_FOUND', async () => {
    expect(answer(await t.inject({ method: 'POST', url: '/api/v1/nothing', payload: {} }))).toEqual([404, 'NOT_FOUND']);
  });

  it('a known address with a method it does not serve is 404 NOT_FOUND', async () => {
    expect(answer(await t.inject({ method: 'PUT', url: '/healthz', payload: {} }))).toEqual([404, 'NOT_FOUND']);
  });

  it('a body over the limit is 413 BODY_TOO_LARGE', async () => {
    const payload = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(1_100_000) });
    const res = await t.inject({ method: 'POST', url: SIGN_IN, headers: { 'content-type': 'application/json' }, payload });
    expect(answer(res)).toEqual([413, 'BODY_TOO_LARGE']);
  });

  it('a content type the route does not parse is 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await t.inject({ method: 'POST', url: SIGN_IN, headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(answer(res)).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('malformed JSON is 400 INVALID_JSON', async () => {
    const res = await t.inject({ method: 'POST', url: SIGN_IN, headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expect(answer(res)).toEqual([400, 'INVALID_JSON']);
  });

  it('JSON with a poisoned prototype is 400 INVALID_JSON', async () => {
    const payload = '{"email": "a@b.co", "password": "x", "__proto__": {"isAdmin": true}}';
    const res = await t.inject({ method: 'POST', url: SIGN_IN, headers: { 'content-type': 'application/json' }, payload });
    expect(answer(res)).toEqual([400, 'INVALID_JSON']);
  });

  it('an empty body declared as JSON is 400 EMPTY_JSON_BODY', async () => {
    const res = await t.inject({ method: 'POST', url: SIGN_IN, headers: { 'content-type': 'application/json' }, payload: '' });
    expect(answer(res)).toEqual([400, 'EMPTY_JSON_BODY']);
  });

  it('a body shorter than its Content-Length is 400 CONTENT_LENGTH_MISMATCH', async () => {
    const payload = '{"email":"a@b.co","password":"x"}';
    const res = await t.inject({
      method: 'POST',
      url: SIGN_IN,
      headers: { 'content-type': 'application/json', 'content-length': String(payload.length + 10) },
      payload,
    });
    expect(answer(res)).toEqual([400, 'CONTENT_LENGTH_MISMATCH']);
  });

  it('a malformed percent-encoding in the address is 400 INVALID_URL', async () => {
    expect(answer(await t.inject({ url: '/api/v1/orgs/%E0%A4%A/people' }))).toEqual([400, 'INVALID_URL']);
  });
});

describe('the framework error map', () => {
  /** Raised while the app is built, never by a client's request. */
  const START_UP_ONLY = new Set(['FST_ERR_CTP_INSTANCE_ALREADY_STARTED', 'FST_ERR_INVALID_URL', 'FST_ERR_ROUTE_MISSING_CONTENT']);

  it('gives every client error Fastify can raise its own code, with the same status', () => {
    const clientErrors = Object.values(errorCodes)
      .map((Constructor) => new Constructor())
      .filter((error) => error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      .filter((error) => !START_UP_ONLY.has(error.code));
    expect(clientErrors.length).toBeGreaterThan(8);
    for (const error of clientErrors) {
      const code = FASTIFY_ERRORS[error.code];
      expect(code, error.code).toBeDefined();
      expect([error.code, toAppError(error)?.status]).toEqual([error.code, error.statusCode]);
    }
    const codes = Object.values(FASTIFY_ERRORS).filter((code) => code !== 'VALIDATION_FAILED' && code !== 'NOT_FOUND');
    expect(new Set(codes).size, 'one code per framework failure').toBe(codes.length);
  });

  it('every mapped code is in the catalogue with the status of the error it stands for', () => {
    expect(FASTIFY_ERRORS.FST_STATIC_FORBIDDEN_PATH).toBe('PATH_FORBIDDEN');
    for (const code of Object.values(FASTIFY_ERRORS)) expect(ERRORS[code], code).toBeDefined();
  });

  it('an unmapped framework 403 is 403 REQUEST_REFUSED, never CSRF_REJECTED', () => {
    const error = Object.assign(new Error('Forbidden'), { code: 'FST_SOME_PLUGIN_FORBIDDEN', statusCode: 403 }) satisfies FastifyError;
    expect([toAppError(error)?.status, toAppError(error)?.code]).toEqual([403, 'REQUEST_REFUSED']);
  });

  it('an unmapped client error keeps a generic code of its status (416, 412) or is 400 BAD_REQUEST', () => {
    const withStatus = (statusCode: number) => Object.assign(new Error('x'), { code: 'ESOMETHING', statusCode }) satisfies FastifyError;
    expect(toAppError(withStatus(416))?.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(toAppError(withStatus(412))?.code).toBe('PRECONDITION_FAILED');
    expect(toAppError(withStatus(400))?.code).toBe('BAD_REQUEST');
    expect([toAppError(withStatus(418))?.status, toAppError(withStatus(418))?.code]).toEqual([400, 'BAD_REQUEST']);
    expect(toAppError(withStatus(500))).toBeNull();
  });
});
