import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createUser, ownerWithOrg, signIn } from '../test/fixtures.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const ID = '0b6f2c1e-8d4a-4c7e-9f3b-2a5d6e7f8091';
const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** The shapes the lists declare, each decoded by the one codec. */
const decodeTimeId = (raw: string) => decodeCursor(raw, ['timestamp', 'uuid']);
const decodeMicrosId = (raw: string) => decodeCursor(raw, ['micros', 'uuid']);
const decodeSeq = (raw: string) => decodeCursor(raw, ['seq']);
const decodeNameId = (raw: string) => decodeCursor(raw, ['text', 'uuid']);
const decodePersonName = (raw: string) => decodeCursor(raw, ['text', 'text', 'uuid']);

/**
 * Cursors shaped like real ones whose values the database cannot take: out-of-range times and
 * sequence numbers, impossible dates, NUL bytes and lone surrogates in text keys; and the
 * hand-made formats lists used before the one codec.
 */
const CRAFTED = [
  b64(`t:99999999999999999999:${ID}`),
  b64(`t:-99999999999999999999:${ID}`),
  b64(`t:253402300800000000:${ID}`),
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
  encodeCursor(['\ud800']),
];

/** Per shape: cursors of that shape whose parts are out of range or not what the shape declares. */
const CRAFTED_BY_SHAPE: [string, (raw: string) => unknown, string[]][] = [
  [
    'timestamp, uuid',
    decodeTimeId,
    [
      encodeCursor(['+275760-09-13T00:00:00.000Z', ID]),
      encodeCursor(['-271821-04-20T00:00:00.000Z', ID]),
      encodeCursor(['10000-01-01T00:00:00.000Z', ID]),
      encodeCursor(['2026-02-31T00:00:00.000Z', ID]),
      encodeCursor(['2026-11-23', ID]),
      encodeCursor(['2026-11-23T10:00:00.000Z', 'not-an-id']),
      encodeCursor(['2026-11-23T10:00:00.000Z', ID, 'extra']),
    ],
  ],
  [
    'micros, uuid',
    decodeMicrosId,
    [
      encodeCursor(['99999999999999999999', ID]),
      encodeCursor(['-99999999999999999999', ID]),
      encodeCursor(['253402300800000000', ID]), // 10000-01-01
      encodeCursor(['12.5', ID]),
      encodeCursor(['1', 'not-an-id']),
    ],
  ],
  ['seq', decodeSeq, [encodeCursor(['99999999999999999999']), encodeCursor(['9007199254740992']), encodeCursor(['0']), encodeCursor(['-1']), encodeCursor(['1e3'])]],
];

describe('the cursor codec', () => {
  it('round-trips a key of every shape', () => {
    expect(decodeNameId(encodeCursor(['Kim', ID]))).toEqual(['Kim', ID]);
    const at = new Date('2026-11-23T10:00:00.123Z');
    expect(decodeTimeId(encodeCursor([at, ID]))).toEqual([at, ID]);
    expect(decodeMicrosId(encodeCursor(['1795428000123456', ID]))).toEqual(['1795428000123456', ID]);
    expect(decodeSeq(encodeCursor([42n]))).toEqual(['42']);
  });

  it("refuses a cursor of another list's shape, and garbage, with INVALID_CURSOR", () => {
    const foreign = [encodeCursor(['Kim', ID, ID]), encodeCursor([new Date(), ID]), encodeCursor(['1', ID]), encodeCursor([1])];
    const decoders = [decodePersonName, decodeTimeId, decodeMicrosId, decodeSeq];
    for (const [i, decode] of decoders.entries()) {
      for (const [j, raw] of [...foreign, 'garbage', ''].entries()) {
        if (i === j) continue;
        expect(() => decode(raw), `decoder ${String(i)} on cursor ${String(j)}`).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
      }
    }
  });

  it('refuses cursors of the right shape whose values are out of range with INVALID_CURSOR', () => {
    const decoders = [decodeNameId, decodePersonName, decodeTimeId, decodeMicrosId, decodeSeq];
    for (const raw of CRAFTED) {
      for (const [i, decode] of decoders.entries()) {
        expect(() => decode(raw), `decoder ${String(i)} on ${raw}`).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
      }
    }
    for (const [shape, decode, crafted] of CRAFTED_BY_SHAPE) {
      for (const raw of crafted) {
        expect(() => decode(raw), `${shape} on ${Buffer.from(raw, 'base64url').toString()}`).toThrow(expect.objectContaining({ code: 'INVALID_CURSOR' }));
      }
    }
  });

  it('accepts the edges of the range it does take', () => {
    expect(decodeMicrosId(encodeCursor(['-62135596800000000', ID]))[0]).toBe('-62135596800000000'); // 0001-01-01
    expect(decodeMicrosId(encodeCursor(['253402300799999999', ID]))[0]).toBe('253402300799999999');
    expect(decodeSeq(encodeCursor(['9007199254740991']))).toEqual(['9007199254740991']);
    expect(decodeTimeId(encodeCursor(['9999-12-31T23:59:59.999Z', ID]))[0].getUTCFullYear()).toBe(9999);
    expect(decodeTimeId(encodeCursor(['0001-01-01T00:00:00.000Z', ID]))[0].getUTCFullYear()).toBe(1);
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
      for (const cursor of ['garbage', encodeCursor([1]), encodeCursor(['x']), ...CRAFTED]) {
        if (path.endsWith('/events') && cursor === encodeCursor([1])) continue;
        const res = await t.inject({ url: `${path}?cursor=${encodeURIComponent(cursor)}`, headers });
        expect([path, cursor, res.statusCode, errorCode(res)]).toEqual([path, cursor, 400, 'INVALID_CURSOR']);
        expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('querystring.cursor');
      }
    }
  });
});
