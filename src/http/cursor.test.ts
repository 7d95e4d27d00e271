import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createUser, ownerWithOrg, signIn } from '../test/fixtures.js';
import { decodeCursor, decodeSeqCursor, decodeTimeCursor, decodeTimeIdCursor, encodeCursor, encodeSeqCursor, encodeTimeCursor, encodeTimeIdCursor } from './cursor.js';

const ID = '0b6f2c1e-8d4a-4c7e-9f3b-2a5d6e7f8091';
const b64 = (text: string) => Buffer.from(text).toString('base64url');

/**
 * Cursors shaped like real ones whose values the database cannot take: out-of-range times and
 * sequence numbers, impossible dates, NUL bytes and lone surrogates in text keys.
 */
const CRAFTED = [
  b64(`t:99999999999999999999:${ID}`),
  b64(`t:-99999999999999999999:${ID}`),
  b64(`t:253402300800000000:${ID}`), // 10000-01-01
  b64('s:99999999999999999999'),
  b64('s:9007199254740992'),
  b64('s:0'),
  `+275760-09-13T00:00:00.000Z|${ID}`,
  `-271821-04-20T00:00:00.000Z|${ID}`,
  `10000-01-01T00:00:00.000Z|${ID}`,
  `2026-02-31T00:00:00.000Z|${ID}`,
  `2026-11-23|${ID}`,
  `2026-11-23T10:00:00.000Z|${ID}|extra`,
  encodeCursor(['a\u0000b', ID]),
  encodeCursor(['\ud800', ID]),
  encodeCursor(['Doe', 'a\u0000', ID]),
];

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

  it('refuse cursors of the right shape whose values are out of range with INVALID_CURSOR', () => {
    const decoders = [(raw: string) => decodeCursor(raw, 2), (raw: string) => decodeCursor(raw, 3), decodeTimeIdCursor, decodeTimeCursor, decodeSeqCursor];
    for (const raw of CRAFTED) {
      for (const [i, decode] of decoders.entries()) {
        expect(() => decode(raw), `decoder ${String(i)} on ${raw}`).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
      }
    }
  });

  it('accept the edges of the range they do take', () => {
    expect(decodeTimeCursor(b64(`t:-62135596800000000:${ID}`)).micros).toBe('-62135596800000000'); // 0001-01-01
    expect(decodeTimeCursor(b64(`t:253402300799999999:${ID}`)).micros).toBe('253402300799999999');
    expect(decodeSeqCursor(b64('s:9007199254740991'))).toBe('9007199254740991');
    expect(decodeTimeIdCursor(`9999-12-31T23:59:59.999Z|${ID}`).at.getUTCFullYear()).toBe(9999);
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
      for (const cursor of ['garbage', encodeSeqCursor(1), encodeCursor(['x']), ...CRAFTED]) {
        if (path.endsWith('/events') && cursor === encodeSeqCursor(1)) continue;
        const res = await t.inject({ url: `${path}?cursor=${encodeURIComponent(cursor)}`, headers });
        expect([path, cursor, res.statusCode, errorCode(res)]).toEqual([path, cursor, 400, 'INVALID_CURSOR']);
        expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('querystring.cursor');
      }
    }
  });
});
