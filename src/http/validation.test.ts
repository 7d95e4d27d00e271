/**
 * A body is validated in full: every field that needs correcting is named in one answer (one
 * detail per field), so a form can flag them all at once. Nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { ownerWithOrg } from '../test/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

describe('body validation reports every field at once', () => {
  it('names each missing or wrong field of a new person, once, and adds no one', async () => {
    const owner = await ownerWithOrg(t);
    const url = `/api/v1/orgs/${owner.org.id}/people`;
    const res = await t.inject({ method: 'POST', url, headers: { cookie: owner.cookie }, payload: { email: 42, title: ['x'], extra: true } });
    expect(res.statusCode).toBe(400);
    expect(errorCode(res)).toBe('VALIDATION_FAILED');
    const { details } = res.json<{ error: { details: { path: string; message: string }[] } }>().error;
    const paths = details.map((d) => d.path).sort();
    expect(paths).toEqual(['email', 'extra', 'firstName', 'lastName', 'title']);
    expect(new Set(paths).size).toBe(paths.length);
    expect(details.find((d) => d.path === 'firstName')?.message).toBe('is required');
    const list = await t.inject({ url, headers: { cookie: owner.cookie } });
    expect(list.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('a query string still stops at its first problem', async () => {
    const owner = await ownerWithOrg(t);
    const res = await t.inject({ url: `/api/v1/orgs/${owner.org.id}/people?limit=0&accessStatus=nope`, headers: { cookie: owner.cookie } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { details: unknown[] } }>().error.details).toHaveLength(1);
  });
});
