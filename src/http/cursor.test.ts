import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createUser, ownerWithOrg, signIn } from '../test/fixtures.js';
import { decodeCursor, decodeSeqCursor, decodeTimeCursor, decodeTimeIdCursor, encodeCursor, encodeSeqCursor, encodeTimeCursor, encodeTimeIdCursor } from './cursor.js';

const ID = '0b6f2c1e-8d4a-4c7e-9f3b-2a5d6e7f8091';

describe('cursor codecs', () => {
  it('round-trip their own cursors', () => {
    expect(decodeCursor(encodeCursor(['Kim', ID]), 2)).toEqual(['Kim', ID]);
    const at = new Date('2026-11-23T10:00:00.123Z');
    expect(decodeTimeIdCursor(encodeTimeIdCursor(at, ID))).toEqual({ at, id: ID });
    expect(decodeTimeCursor(encodeTimeCursor({ micros: '1795428000123456', id: ID }))).toEqual({ micros: '1795428000123456', id: ID });
    expect(decodeSeqCursor(encodeSeqCursor(42n))).toBe('42');
  });

  it("refuse each other's cursors and garbage with INVALID_CURSOR", () => {
    const foreign = [encodeCursor(['Kim', ID]), encodeTimeIdCursor(new Date(), ID), encodeTimeCursor({ micros: '1', id: ID }), encodeSeqCursor(1)];
    const decoders = [
      (raw: string) => decodeCursor(raw, 3),
      decodeTimeIdCursor,
      decodeTimeCursor,
      decodeSeqCursor,
    ];
    for (const [i, decode] of decoders.entries()) {
      for (const [j, raw] of [...foreign, 'garbage', ''].entries()) {
        if (i === j) continue;
        expect(() => decode(raw), `decoder ${String(i)} on cursor ${String(j)}`).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
      }
    }
  });
});

describe('every paged list', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a cursor it did not make with 400 INVALID_CURSOR at querystring.cursor', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const admin = await createUser(t, { is_instance_admin: true });
    const adminCookie = await signIn(t, admin.email);
    const hook = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/webhooks`,
      headers: { cookie },
      payload: { url: 'http://127.0.0.1:9/hook', events: ['*'] },
    });
    expect(hook.statusCode).toBe(201);
    const webhookId = hook.json<{ id: string }>().id;

    // Every GET in the served contract that takes ?cursor=, so a new list is covered when it appears.
    const doc = (await t.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    }>();
    const paged = Object.entries(doc.paths)
      .filter(([, ops]) => ops.get?.parameters?.some((p) => p.name === 'cursor') === true)
      .map(([path]) => path.replace('{orgId}', org.id).replace('{webhookId}', webhookId));
    if (!paged.some((path) => path.includes('/dev/mailbox'))) paged.push('/api/v1/dev/mailbox');
    expect(paged.length).toBeGreaterThanOrEqual(7);

    for (const path of paged) {
      expect(path, 'every path parameter is filled in').not.toMatch(/[{}]/);
      const headers = { cookie: path.includes('/dev/mailbox') ? adminCookie : cookie };
      const good = await t.inject({ url: `${path}?limit=1`, headers });
      expect([path, good.statusCode]).toEqual([path, 200]);
      for (const cursor of ['garbage', encodeSeqCursor(1), encodeCursor(['x'])]) {
        if (path.endsWith('/events') && cursor === encodeSeqCursor(1)) continue;
        const res = await t.inject({ url: `${path}?cursor=${encodeURIComponent(cursor)}`, headers });
        expect([path, cursor, res.statusCode, errorCode(res)]).toEqual([path, cursor, 400, 'INVALID_CURSOR']);
        expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('querystring.cursor');
      }
    }
  });
});
