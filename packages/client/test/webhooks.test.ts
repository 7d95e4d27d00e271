/**
 * verifyWebhook against real deliveries: a Gatehouse app signs and POSTs its webhooks (the
 * outbox dispatcher with the app's own webhook deliverer) to a local HTTP receiver, and the SDK
 * checks what arrived, byte for byte, with the endpoint's secret.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { MINUTE } from '../../../src/clock.js';
import { dispatchOutbox } from '../../../src/outbox/outbox.dispatcher.js';
import { testApp, type TestApp } from '../../../src/test/app.js';
import { ownerWithOrg } from '../../../src/test/fixtures.js';
import { createGatehouseClient, type GatehouseClient, verifyWebhook, WebhookVerificationError, type WebhookEvent } from '../src/index.js';

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

let t: TestApp;
let gatehouse: GatehouseClient;
let orgId: string;
let secret: string;
let receiver: http.Server;
const received: Delivery[] = [];

/** Delivers every due outbox row with the app's registered deliverers. */
async function dispatch() {
  while ((await dispatchOutbox(t.ctx, [], { random: () => 0.5 })).claimed > 0) {
    // the next batch
  }
}

/** Invites someone (its `invitation.created` event is the delivery) and returns what the receiver got. */
async function deliveryOfAnInvitation(email: string): Promise<Delivery & { invitationId: string }> {
  received.length = 0;
  const invitation = await gatehouse.post('/api/v1/orgs/{orgId}/invitations', { params: { path: { orgId } }, body: { email, role: 'member' } });
  await dispatch();
  expect(received).toHaveLength(1);
  const [delivery] = received;
  if (delivery === undefined) throw new Error('nothing delivered');
  return { ...delivery, invitationId: invitation.id };
}

function refusal(run: () => unknown): WebhookVerificationError {
  try {
    run();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error;
    throw error;
  }
  throw new Error('the delivery was accepted');
}

beforeAll(async () => {
  t = await testApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
  // Receivers compare webhook-timestamp with their own clock: the app's clock starts at now.
  t.clock.set(new Date());
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await t.app.listen({ port: 0, host: '127.0.0.1' });

  const { org, cookie } = await ownerWithOrg(t);
  orgId = org.id;
  const key = await t.inject({
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/api-keys`,
    headers: { cookie },
    payload: { name: 'SDK webhooks', permissions: ['org:read', 'members:read', 'people:read', 'invitations:read', 'invitations:manage', 'webhooks:manage'] },
  });
  gatehouse = createGatehouseClient({
    baseUrl: `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`,
    token: key.json<{ secret: string }>().secret,
  });
  const endpoint = await gatehouse.post('/api/v1/orgs/{orgId}/webhooks', {
    params: { path: { orgId } },
    body: { url: `http://127.0.0.1:${String((receiver.address() as AddressInfo).port)}/hooks`, events: ['invitation.created'] },
  });
  secret = endpoint.secret;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise<void>((resolve) => receiver.close(() => { resolve(); }));
  await t.close();
});

describe('verifyWebhook, on deliveries a real Gatehouse sent', () => {
  it('accepts a delivery as received and returns its typed event', async () => {
    const delivery = await deliveryOfAnInvitation('hooked.sdk@example.test');
    // Node's request headers and raw bytes, as a plain http server has them.
    const event = verifyWebhook(delivery.body, delivery.headers, secret);
    expectTypeOf(event).toEqualTypeOf<WebhookEvent>();
    expect(event).toMatchObject({
      id: delivery.headers['webhook-id'],
      type: 'invitation.created',
      data: { orgId, invitationId: delivery.invitationId, actor: { type: 'api_key' } },
    });
    expect(Date.parse(event.timestamp)).not.toBeNaN();
    // The same delivery as a Fetch API handler has it: a string body and a Headers object.
    const headers = new Headers(Object.entries(delivery.headers).map(([name, value]) => [name, String(value)]));
    expect(verifyWebhook(delivery.body.toString('utf8'), headers, secret).id).toBe(event.id);
  });

  it('refuses a tampered body, a wrong secret and missing headers', async () => {
    const delivery = await deliveryOfAnInvitation('tampered.sdk@example.test');
    const tampered = delivery.body.toString('utf8').replace('"member"', '"owner"');
    expect(tampered).not.toBe(delivery.body.toString('utf8'));
    expect(refusal(() => verifyWebhook(tampered, delivery.headers, secret)).reason).toBe('bad_signature');

    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(refusal(() => verifyWebhook(delivery.body, delivery.headers, otherSecret)).reason).toBe('bad_signature');

    const { 'webhook-signature': _signature, ...unsigned } = delivery.headers;
    expect(refusal(() => verifyWebhook(delivery.body, unsigned, secret)).reason).toBe('missing_headers');
  });

  it('refuses a delivery signed more than five minutes ago (a replay)', async () => {
    // The app's clock, and so the delivery's signed timestamp, ten minutes behind this machine's.
    t.clock.set(new Date(Date.now() - 10 * MINUTE));
    try {
      const delivery = await deliveryOfAnInvitation('replayed.sdk@example.test');
      expect(Number(delivery.headers['webhook-timestamp'])).toBeLessThan(Date.now() / 1000 - 9 * 60);
      expect(refusal(() => verifyWebhook(delivery.body, delivery.headers, secret)).reason).toBe('stale_timestamp');
    } finally {
      t.clock.set(new Date());
    }
  });
});
