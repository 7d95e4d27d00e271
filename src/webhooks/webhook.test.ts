import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { appendEvent, SYSTEM_ACTOR } from '../events/event.repository.js';
import { EVENT_TYPES } from '../events/event.types.js';
import { mailDeliverer } from '../mail/dispatcher.js';
import { dispatchOutbox } from '../outbox/outbox.dispatcher.js';
import { webhookDeliverer } from './delivery.js';
import { mailboxTransport } from '../mail/mailbox.transport.js';
import { queuedInvitation } from '../mail/test-fixtures.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createOrg, createUser, grant, ownerWithOrg, signIn } from '../test/fixtures.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local webhook receiver: answers with the queued statuses (then 200), or never when `hang`. */
async function startReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  let hang = false;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (hang) return;
      response.statusCode = statuses.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${String(port)}/hook`,
    received,
    respondWith(...codes: number[]) {
      statuses.push(...codes);
    },
    setHang(value: boolean) {
      hang = value;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

async function drain(app: TestApp, options: { webhookTimeoutMs?: number } = {}) {
  let total = 0;
  const deliverers = [
    mailDeliverer(app.ctx, mailboxTransport(app.ctx.db, app.clock)),
    ...(options.webhookTimeoutMs === undefined ? [] : [webhookDeliverer(app.ctx, { timeoutMs: options.webhookTimeoutMs })]),
  ];
  for (;;) {
    const round = await dispatchOutbox(app.ctx, deliverers, { random: () => 0.5 });
    if (round.claimed === 0) return total;
    total += round.claimed;
  }
}

async function createEndpoint(app: TestApp, orgId: string, cookie: string, body: object) {
  return app.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/webhooks`, headers: { cookie }, payload: body });
}

interface Delivery {
  messageId: string;
  eventType: string;
  occurredAt: string | null;
  status: string;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
}

async function deliveries(app: TestApp, orgId: string, id: string, cookie: string) {
  const res = await app.inject({ url: `/api/v1/orgs/${orgId}/webhooks/${id}/deliveries`, headers: { cookie } });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: Delivery[] }>().items;
}

describe('webhooks delivered to a local receiver (WEBHOOK_ALLOW_PRIVATE=true)', () => {
  let p: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    p = await testApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    // Standard Webhooks receivers reject timestamps far from their own clock.
    p.clock.set(new Date());
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await p.close();
  });

  it('registers an endpoint with a whsec_ secret shown once, and delivers signed events it subscribed to', async () => {
    const { org, cookie } = await ownerWithOrg(p);
    const created = await createEndpoint(p, org.id, cookie, { url: receiver.url, events: ['invitation.sent'] });
    expect(created.statusCode).toBe(201);
    const endpoint = created.json<{ id: string; secret: string; url: string; events: string[] }>();
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(endpoint.secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(endpoint.events).toEqual(['invitation.sent']);

    const listed = await p.inject({ url: `/api/v1/orgs/${org.id}/webhooks`, headers: { cookie } });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(endpoint.secret);
    expect(listed.json<{ items: { id: string }[] }>().items.map((item) => item.id)).toEqual([endpoint.id]);
    const one = await p.inject({ url: `/api/v1/orgs/${org.id}/webhooks/${endpoint.id}`, headers: { cookie } });
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain('secret');

    const { invitation } = await queuedInvitation(p.ctx.db, p.clock.now(), { org });
    await drain(p);
    expect(receiver.received).toHaveLength(1);
    const [hit] = receiver.received;
    if (hit === undefined) throw new Error('no delivery');
    // The receiver's own check: the standardwebhooks library verifies id, timestamp and signature.
    const verified = new Webhook(endpoint.secret).verify(hit.body, {
      'webhook-id': String(hit.headers['webhook-id']),
      'webhook-timestamp': String(hit.headers['webhook-timestamp']),
      'webhook-signature': String(hit.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ type: 'invitation.sent', data: { invitationId: invitation.id, orgId: org.id } });
    expect(hit.headers['content-type']).toBe('application/json');
    expect(() => new Webhook(`whsec_${Buffer.alloc(32).toString('base64')}`).verify(hit.body, {
      'webhook-id': String(hit.headers['webhook-id']),
      'webhook-timestamp': String(hit.headers['webhook-timestamp']),
      'webhook-signature': String(hit.headers['webhook-signature']),
    })).toThrow();

    const log = await deliveries(p, org.id, endpoint.id, cookie);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ eventType: 'invitation.sent', status: 'sent', attempts: 1, responseStatus: 200, lastError: null });
    // The log says when the event happened, as the delivery's payload does.
    expect(log[0]?.occurredAt).toBe((JSON.parse(hit.body) as { timestamp: string }).timestamp);
  });

  it('retries a non-2xx answer and a timeout with the same webhook-id, then delivers', async () => {
    receiver.received.length = 0;
    const { org, cookie } = await ownerWithOrg(p);
    const created = await createEndpoint(p, org.id, cookie, { url: receiver.url, events: ['*'] });
    const endpoint = created.json<{ id: string }>();
    receiver.respondWith(503);
    await p.ctx.db.transaction().execute(async (trx) => {
      await appendEvent(trx, { type: 'invitation.created', orgId: org.id, actor: SYSTEM_ACTOR, data: { note: 'x' }, occurredAt: p.clock.now() });
    });
    await drain(p);
    let log = await deliveries(p, org.id, endpoint.id, cookie);
    expect(log[0]).toMatchObject({ status: 'pending', attempts: 1, responseStatus: 503 });
    expect(log[0]?.lastError).toContain('503');

    receiver.setHang(true);
    p.clock.advance(5 * MINUTE);
    await drain(p, { webhookTimeoutMs: 300 });
    log = await deliveries(p, org.id, endpoint.id, cookie);
    expect(log[0]).toMatchObject({ status: 'pending', attempts: 2 });
    expect(log[0]?.lastError).toMatch(/no answer within 300 ms/);

    receiver.setHang(false);
    p.clock.advance(10 * MINUTE);
    await drain(p);
    log = await deliveries(p, org.id, endpoint.id, cookie);
    expect(log[0]).toMatchObject({ status: 'sent', attempts: 3, responseStatus: 200 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((hit) => hit.headers['webhook-id']))).toEqual(new Set([log[0]?.messageId]));
  });

  it('does not deliver to a deleted endpoint, and an unsubscribed event creates no delivery', async () => {
    receiver.received.length = 0;
    const { org, cookie } = await ownerWithOrg(p);
    const endpoint = (await createEndpoint(p, org.id, cookie, { url: receiver.url, events: ['invitation.revoked'] })).json<{ id: string }>();
    await p.ctx.db.transaction().execute(async (trx) => {
      await appendEvent(trx, { type: 'invitation.created', orgId: org.id, actor: SYSTEM_ACTOR, occurredAt: p.clock.now() });
      await appendEvent(trx, { type: 'invitation.revoked', orgId: org.id, actor: SYSTEM_ACTOR, occurredAt: p.clock.now() });
    });
    expect((await deliveries(p, org.id, endpoint.id, cookie)).map((d) => d.eventType)).toEqual(['invitation.revoked']);
    const removed = await p.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/webhooks/${endpoint.id}`, headers: { cookie } });
    expect(removed.statusCode).toBe(204);
    await drain(p);
    expect(receiver.received).toHaveLength(0);
    const row = await p.ctx.db.selectFrom('outbox').selectAll().where('webhook_endpoint_id', '=', endpoint.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.last_error).toContain('deleted');
    const again = await p.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/webhooks/${endpoint.id}`, headers: { cookie } });
    expect([again.statusCode, errorCode(again)]).toEqual([404, 'WEBHOOK_NOT_FOUND']);
  });

  it('offers every event type Gatehouse writes, including user.invited from the user-first flow', async () => {
    const { org, cookie } = await ownerWithOrg(p);
    const all = await createEndpoint(p, org.id, cookie, { url: receiver.url, events: [...EVENT_TYPES] });
    expect(all.statusCode).toBe(201);
    const endpoint = (await createEndpoint(p, org.id, cookie, { url: receiver.url, events: ['user.invited'] })).json<{ id: string }>();
    const invited = await p.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/invitations`,
      headers: { cookie },
      payload: { email: 'first.user@example.test', role: 'member', createUser: true },
    });
    expect(invited.statusCode).toBe(201);
    const log = await deliveries(p, org.id, endpoint.id, cookie);
    expect(log.map((d) => d.eventType)).toEqual(['user.invited']);
  });
});

describe('webhook endpoints with the SSRF guard on (default)', () => {
  let t: TestApp;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await testApp();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it('refuses loopback, private, mapped and non-http URLs with 400 WEBHOOK_URL_FORBIDDEN, creating nothing', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    for (const url of [
      receiver.url,
      'http://localhost:8080/hook',
      'http://0.0.0.0/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/hook',
      'ftp://93.184.215.14/hook',
      'javascript:alert(1)',
    ]) {
      const res = await createEndpoint(t, org.id, cookie, { url, events: ['*'] });
      expect([url, res.statusCode, errorCode(res)]).toEqual([url, 400, 'WEBHOOK_URL_FORBIDDEN']);
      expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('url');
    }
    const count = await t.ctx.db.selectFrom('webhook_endpoints').select('id').where('org_id', '=', org.id).execute();
    expect(count).toHaveLength(0);
  });

  it('validates events and fields', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const unknown = await createEndpoint(t, org.id, cookie, { url: 'https://93.184.215.14/hook', events: ['invitation.sent', 'invitation.exploded'] });
    expect([unknown.statusCode, errorCode(unknown)]).toEqual([400, 'UNKNOWN_EVENT_TYPE']);
    expect(unknown.json<{ error: { details: { path: string }[] } }>().error.details).toEqual([{ path: 'events.1', message: 'unknown event type "invitation.exploded"' }]);
    const extra = await createEndpoint(t, org.id, cookie, { url: 'https://93.184.215.14/hook', events: ['*'], secret: 'mine' });
    expect([extra.statusCode, errorCode(extra)]).toEqual([400, 'VALIDATION_FAILED']);
    const empty = await createEndpoint(t, org.id, cookie, { url: 'https://93.184.215.14/hook', events: [] });
    expect([empty.statusCode, errorCode(empty)]).toEqual([400, 'VALIDATION_FAILED']);
    const badId = await t.inject({ url: `/api/v1/orgs/${org.id}/webhooks/not-a-uuid`, headers: { cookie } });
    expect([badId.statusCode, errorCode(badId)]).toEqual([400, 'VALIDATION_FAILED']);
    const ok = await createEndpoint(t, org.id, cookie, { url: 'https://93.184.215.14/hook', events: ['*'] });
    expect(ok.statusCode).toBe(201);
  });

  it('needs webhooks:manage: 401 signed out, 403 for a member, 404 for another org', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const endpoint = (await createEndpoint(t, org.id, cookie, { url: 'https://93.184.215.14/hook', events: ['*'] })).json<{ id: string }>();
    const anonymous = await t.inject({ url: `/api/v1/orgs/${org.id}/webhooks` });
    expect([anonymous.statusCode, errorCode(anonymous)]).toEqual([401, 'UNAUTHENTICATED']);
    const member = await createUser(t);
    await grant(t, member.id, org.id, 'member');
    const memberCookie = await signIn(t, member.email);
    const forbidden = await createEndpoint(t, org.id, memberCookie, { url: 'https://93.184.215.14/hook', events: ['*'] });
    expect([forbidden.statusCode, errorCode(forbidden)]).toEqual([403, 'FORBIDDEN']);
    const stranger = await ownerWithOrg(t);
    const elsewhere = await t.inject({ url: `/api/v1/orgs/${org.id}/webhooks/${endpoint.id}/deliveries`, headers: { cookie: stranger.cookie } });
    expect([elsewhere.statusCode, errorCode(elsewhere)]).toEqual([404, 'ORG_NOT_FOUND']);
    // Another org's endpoint id through one's own org: not found, not forbidden.
    const crossed = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${stranger.org.id}/webhooks/${endpoint.id}`, headers: { cookie: stranger.cookie } });
    expect([crossed.statusCode, errorCode(crossed)]).toEqual([404, 'WEBHOOK_NOT_FOUND']);
    expect(await t.ctx.db.selectFrom('webhook_endpoints').select('id').where('id', '=', endpoint.id).execute()).toHaveLength(1);
  });

  it('checks the address again at delivery time and fails the delivery without connecting', async () => {
    // An endpoint that became private after registration (written directly: the API refuses it).
    const org = await createOrg(t, 'Rebound');
    const row = await t.ctx.db
      .insertInto('webhook_endpoints')
      .values({ org_id: org.id, url: receiver.url, events: JSON.stringify(['*']), secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.ctx.db.transaction().execute(async (trx) => {
      await appendEvent(trx, { type: 'invitation.created', orgId: org.id, actor: SYSTEM_ACTOR, occurredAt: t.clock.now() });
    });
    await drain(t);
    expect(receiver.received).toHaveLength(0);
    const delivery = await t.ctx.db.selectFrom('outbox').selectAll().where('webhook_endpoint_id', '=', row.id).executeTakeFirstOrThrow();
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toBe(1);
    expect(delivery.last_error).toContain('forbidden webhook URL');
  });
});
