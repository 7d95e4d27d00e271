import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { appendEvent, SYSTEM_ACTOR } from '../events/event.repository.js';
import { mailDeliverer } from '../mail/dispatcher.js';
import { mailboxTransport } from '../mail/mailbox.transport.js';
import { dispatchOutbox } from '../outbox/outbox.dispatcher.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { ownerWithOrg } from '../test/fixtures.js';
import { freePort } from '../test/net.js';
import { DEV_RECEIVER_PATH } from './dev-receiver.js';
import { signatureHeaders } from './signature.js';
import { insertWebhookEndpoint } from './webhook.repository.js';
import { newWebhookSecret } from './webhook.service.js';

interface Delivery {
  messageId: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
}

/** Every queued row through the app's deliverers: webhooks by real HTTP, email into the dev mailbox. */
async function drain(t: TestApp) {
  const deliverers = [mailDeliverer(t.ctx, mailboxTransport(t.ctx.db, t.clock))];
  while ((await dispatchOutbox(t.ctx, deliverers, { random: () => 0.5 })).claimed > 0) {
    // until the outbox is drained
  }
}

async function deliveries(t: TestApp, orgId: string, id: string, cookie: string): Promise<Delivery[]> {
  const res = await t.inject({ url: `/api/v1/orgs/${orgId}/webhooks/${id}/deliveries`, headers: { cookie } });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: Delivery[] }>().items;
}

async function emit(t: TestApp, orgId: string) {
  await t.ctx.db.transaction().execute(async (trx) => {
    await appendEvent(trx, { type: 'invitation.created', orgId, actor: SYSTEM_ACTOR, data: { note: 'dev receiver' }, occurredAt: t.clock.now() });
  });
}

/** What a refused delivery could have changed: the outbox and the audit log. */
async function snapshot(t: TestApp) {
  const outbox = await t.ctx.db.selectFrom('outbox').selectAll().orderBy('id').execute();
  const events = await t.ctx.db.selectFrom('events').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return { outbox, events: Number(events.n) };
}

describe('the dev receiver (R93): the service answers webhooks sent to its own PUBLIC_URL', () => {
  let t: TestApp;
  let receiverUrl: string;
  let org: { id: string };
  let cookie: string;
  let endpoint: { id: string; secret: string; url: string };

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${String(port)}`;
    t = await testApp({ PUBLIC_URL: publicUrl });
    await t.app.listen({ port, host: '127.0.0.1' });
    receiverUrl = `${publicUrl}${DEV_RECEIVER_PATH}`;
    ({ org, cookie } = await ownerWithOrg(t));
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers a loopback endpoint at exactly the receiver, delivers over HTTP, and the log shows 204', async () => {
    const created = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/webhooks`, headers: { cookie }, payload: { url: receiverUrl, events: ['*'] } });
    expect(created.statusCode).toBe(201);
    endpoint = created.json();
    expect(endpoint.url).toBe(receiverUrl);

    await emit(t, org.id);
    await drain(t);
    const log = await deliveries(t, org.id, endpoint.id, cookie);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ status: 'sent', attempts: 1, responseStatus: 204, lastError: null });
  });

  it('refuses any other loopback URL of the same server at registration', async () => {
    for (const url of [`${receiverUrl}?x=1`, `${receiverUrl}/more`, receiverUrl.replace('/webhooks', '/mailbox'), receiverUrl.replace('127.0.0.1', 'user@127.0.0.1')]) {
      const res = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/webhooks`, headers: { cookie }, payload: { url, events: ['*'] } });
      expect([url, res.statusCode, errorCode(res)]).toEqual([url, 400, 'WEBHOOK_URL_FORBIDDEN']);
    }
  });

  describe('checks the signature of each delivery', () => {
    let messageId: string;
    const body = JSON.stringify({ type: 'invitation.created', timestamp: '2030-01-01T00:00:00.000Z', data: { note: 'signed' } });
    const post = (headers: Record<string, string>, payload = body) =>
      t.app.inject({ method: 'POST', url: DEV_RECEIVER_PATH, headers: { 'content-type': 'application/json', ...headers }, payload });

    beforeAll(async () => {
      const log = await deliveries(t, org.id, endpoint.id, cookie);
      messageId = log[0]?.messageId ?? '';
      expect(messageId).not.toBe('');
    });

    it('answers 204 to a delivery signed with its endpoint secret, now', async () => {
      const res = await post(signatureHeaders(endpoint.secret, messageId, t.clock.now(), body));
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
    });

    it('refuses a wrong secret, a tampered body, a stale or future timestamp, a missing header, a foreign or unknown webhook-id, with nothing recorded', async () => {
      const before = await snapshot(t);
      const now = t.clock.now();
      const good = signatureHeaders(endpoint.secret, messageId, now, body);
      // A delivery to another endpoint (never sent: it points elsewhere) carries that endpoint's valid signature.
      const other = await insertWebhookEndpoint(t.ctx.db, { orgId: org.id, url: 'https://93.184.215.14/hook', events: ['*'], secret: newWebhookSecret(), createdAt: now });
      await t.ctx.db.transaction().execute(async (trx) => {
        await appendEvent(trx, { type: 'invitation.created', orgId: org.id, actor: SYSTEM_ACTOR, occurredAt: now });
      });
      const foreign = await t.ctx.db.selectFrom('outbox').select('message_id').where('webhook_endpoint_id', '=', other.id).executeTakeFirstOrThrow();
      const baseline = await snapshot(t);

      const { 'webhook-id': _id, ...noId } = good;
      const { 'webhook-timestamp': _ts, ...noTimestamp } = good;
      const { 'webhook-signature': _sig, ...noSignature } = good;
      const refused: [string, Record<string, string>, string][] = [
        ['wrong secret', signatureHeaders(newWebhookSecret(), messageId, now, body), body],
        ['tampered body', good, body.replace('signed', 'tampered')],
        ['stale timestamp', signatureHeaders(endpoint.secret, messageId, new Date(now.getTime() - 6 * MINUTE), body), body],
        ['future timestamp', signatureHeaders(endpoint.secret, messageId, new Date(now.getTime() + 6 * MINUTE), body), body],
        ['timestamp not a number', { ...good, 'webhook-timestamp': 'soon' }, body],
        ['signature of another id', { ...signatureHeaders(endpoint.secret, 'another-id', now, body), 'webhook-id': messageId }, body],
        ['no webhook-id', noId, body],
        ['no webhook-timestamp', noTimestamp, body],
        ['no webhook-signature', noSignature, body],
        ['empty webhook-signature', { ...good, 'webhook-signature': '' }, body],
        ['unknown webhook-id', signatureHeaders(endpoint.secret, '00000000-0000-4000-8000-000000000000', now, body), body],
        ['a delivery to another endpoint', signatureHeaders(other.secret, foreign.message_id, now, body), body],
      ];
      for (const [why, headers, payload] of refused) {
        const res = await post(headers, payload);
        expect([why, res.statusCode, errorCode(res)]).toEqual([why, 401, 'WEBHOOK_SIGNATURE_INVALID']);
      }
      expect(await snapshot(t)).toEqual(baseline);
      expect(baseline.events).toBe(before.events + 1);

      // Still the right delivery, right now: accepted.
      expect((await post(good)).statusCode).toBe(204);
    });

    it('wants the signed body as JSON text', async () => {
      const empty = await t.app.inject({ method: 'POST', url: DEV_RECEIVER_PATH, headers: { 'content-type': 'application/json' }, payload: '' });
      expect([empty.statusCode, errorCode(empty)]).toEqual([400, 'EMPTY_JSON_BODY']);
      const text = await t.app.inject({ method: 'POST', url: DEV_RECEIVER_PATH, headers: { 'content-type': 'text/plain' }, payload: 'x' });
      expect([text.statusCode, errorCode(text)]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    });
  });
});

describe('the dev receiver is off with SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ PUBLIC_URL: 'http://127.0.0.1:3999', SMTP_URL: 'smtp://127.0.0.1:2525' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 404 MAILBOX_DISABLED, and its URL is refused like any loopback URL', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const url = `http://127.0.0.1:3999${DEV_RECEIVER_PATH}`;
    const body = '{"type":"invitation.created"}';
    const res = await t.app.inject({
      method: 'POST',
      url: DEV_RECEIVER_PATH,
      headers: { 'content-type': 'application/json', ...signatureHeaders(newWebhookSecret(), 'x', t.clock.now(), body) },
      payload: body,
    });
    expect([res.statusCode, errorCode(res)]).toEqual([404, 'MAILBOX_DISABLED']);

    const created = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/webhooks`, headers: { cookie }, payload: { url, events: ['*'] } });
    expect([created.statusCode, errorCode(created)]).toEqual([400, 'WEBHOOK_URL_FORBIDDEN']);

    // An endpoint stored while the receiver was on is refused at delivery, at once.
    const stored = await insertWebhookEndpoint(t.ctx.db, { orgId: org.id, url, events: ['*'], secret: newWebhookSecret(), createdAt: t.clock.now() });
    await emit(t, org.id);
    await drain(t);
    const log = await deliveries(t, org.id, stored.id, cookie);
    expect(log[0]).toMatchObject({ status: 'failed', attempts: 1, responseStatus: null });
    expect(log[0]?.lastError).toMatch(/forbidden webhook URL/);
  });
});
