/**
 * `gatehouse demo`: a clinic group with three locations, 30 people in every access state, a
 * custom role and some members, so a newcomer's first start shows a living console.
 *
 * Everything goes through the real paths: the HTTP API (app.inject), the outbox and the
 * dispatcher into the dev mailbox, the invitee's lookup/register/decline with the token from
 * the emailed link, the tracking pixel, and the expiry sweep. Its webhook endpoint is the
 * service's own dev receiver (R93): each round delivers the queued events to it with the real
 * delivery code (signed, through the SSRF guard), only the last hop going through app.inject
 * since nothing listens yet. A ManualClock walks through the
 * last two weeks so the timelines look lived-in; the audit trail stays replayable because no
 * row is written by hand.
 *
 * Idempotent: when the demo organization exists, nothing is written and the sign-in is printed
 * again. `--if-empty` loads nothing into a database that already has users (what `npm start`
 * uses, so an operator's own data is never mixed with the demo).
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../app.js';
import { createInstanceAdmin } from '../account/account.service.js';
import { anyUserExists } from '../auth/user.repository.js';
import { DAY, HOUR, ManualClock, MINUTE, systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { migrateToLatest, openDatabase, type Database } from '../db/database.js';
import { sweepExpiredBatch } from '../invitations/invitation.workers.js';
import { findOrgByName } from '../orgs/org.repository.js';
import { mailDeliverer } from '../mail/dispatcher.js';
import { mailboxTransport } from '../mail/mailbox.transport.js';
import { DeliveryError, type MailTransport } from '../mail/transport.js';
import { dispatchOutbox } from '../outbox/outbox.dispatcher.js';
import { webhookDeliverer, type WebhookSend } from '../webhooks/delivery.js';
import { DEV_RECEIVER_PATH, devReceiverUrl } from '../webhooks/dev-receiver.js';
import { DEMO_ADMIN, DEMO_API_KEY, DEMO_APP, DEMO_WEBHOOK_EVENTS, DEMO_CLINIC_LEAD, DEMO_ORG, DEMO_PEOPLE, DEMO_PASSWORD, DEMO_RESOURCES, DEMO_ROLE, type DemoPerson } from './demo.data.js';

export interface DemoOutcome {
  loaded: boolean;
  reason: 'loaded' | 'exists' | 'not-empty';
  email: string;
  password: string;
  /** A second sign-in (same password): the admin of one clinic only. */
  clinicLead: { email: string; location: string };
  url: string;
}

/** Emails to this domain bounce (a permanent 5xx), so one invitation ends `failed`. */
const BOUNCING_DOMAIN = '@bounce.invalid';

function demoTransport(inner: MailTransport): MailTransport {
  return {
    name: 'demo',
    async send(email) {
      if (email.to.endsWith(BOUNCING_DOMAIN)) throw new DeliveryError('550 5.1.1 mailbox unavailable (demo)', true, 550);
      return inner.send(email);
    },
    close: () => inner.close(),
  };
}

/**
 * The last hop of a webhook delivery during the demo: the dev receiver, called in-process (the
 * server is not listening yet). Any other URL fails for good.
 */
function inProcessSend(app: FastifyInstance, receiver: string | null): WebhookSend {
  return async (url, body, headers) => {
    if (receiver === null || url.href !== receiver) throw new DeliveryError('the demo delivers webhooks to the dev receiver only', true);
    const res = await app.inject({ method: 'POST', url: DEV_RECEIVER_PATH, headers, payload: body });
    return res.statusCode;
  };
}

class DemoApi {
  private cookies = new Map<string, string>();
  constructor(private readonly app: FastifyInstance) {}

  async call(as: string | null, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown): Promise<LightMyRequestResponse> {
    const cookie = as === null ? undefined : this.cookies.get(as);
    // As the console does: a cookie-authenticated unsafe request always declares a JSON body,
    // `{}` when it has none (docs/rules.md R43).
    const body = payload ?? (method === 'GET' ? undefined : {});
    const res = await this.app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      headers: cookie === undefined ? {} : { cookie },
    });
    if (res.statusCode >= 400) throw new Error(`demo: ${method} ${url} answered ${String(res.statusCode)} ${res.body}`);
    return res;
  }

  async json<T>(as: string | null, method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: unknown): Promise<T> {
    return (await this.call(as, method, url, payload)).json<T>();
  }

  async signIn(email: string, password: string): Promise<void> {
    const res = await this.call(null, 'POST', '/api/v1/auth/sign-in', { email, password });
    const session = res.cookies.find((c) => c.name === 'gatehouse_session');
    if (session === undefined) throw new Error('demo: sign-in set no cookie');
    this.cookies.set(email, `gatehouse_session=${session.value}`);
  }
}

interface MailItem {
  to: string;
  text: string;
  html: string;
  sentAt: string;
}

/**
 * scrypt cost of the demo's accounts: they all share a published password, so the production
 * cost (about 0.3 s a hash) would only slow the first start down.
 */
const DEMO_SCRYPT_COST = 2 ** 14;

export async function loadDemo(config: Config, options: { ifEmpty: boolean }): Promise<DemoOutcome> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateToLatest(database.db);
    return await loadDemoInto(config, database, options);
  } finally {
    await database.close();
  }
}

/**
 * loadDemo into a database the caller opened and migrated (`gatehouse serve --demo-if-empty`
 * opens it once for both; the embedded database's start is most of a restart's time).
 */
export async function loadDemoInto(config: Config, database: Database, options: { ifEmpty: boolean }): Promise<DemoOutcome> {
  const outcome = (loaded: boolean, reason: DemoOutcome['reason']): DemoOutcome => ({
    loaded,
    reason,
    email: DEMO_ADMIN.email,
    password: DEMO_PASSWORD,
    clinicLead: { email: DEMO_CLINIC_LEAD.email, location: DEMO_CLINIC_LEAD.location },
    url: config.publicUrl,
  });
  if ((await findOrgByName(database.db, DEMO_ORG)) !== undefined) return outcome(false, 'exists');
  if (options.ifEmpty && (await anyUserExists(database.db))) return outcome(false, 'not-empty');

  // Two weeks ago, the group started using Gatehouse.
  const now = systemClock.now();
  const clock = new ManualClock(new Date(now.getTime() - 14 * DAY));
  // The demo signs in and registers many accounts from one address: no abuse limit here.
  const app = await buildApp(
    // The one bounce is deliberate: keep its warning out of a newcomer's first start.
    { ...config, authRateLimit: 0, logLevel: 'error' },
    { db: database.db, backend: database.backend, clock, scryptCost: DEMO_SCRYPT_COST },
  );
  await app.ready();
  const api = new DemoApi(app);
  const transport = demoTransport(mailboxTransport(database.db, clock));
  const receiver = devReceiverUrl(config);
  const deliverers = [mailDeliverer(app.ctx, transport), webhookDeliverer(app.ctx, { send: inProcessSend(app, receiver) })];
  const deliver = async () => {
    while ((await dispatchOutbox(app.ctx, deliverers, { maxAttempts: 1 })).claimed > 0) {
      // until the outbox is drained
    }
  };
  const mailbox = async (to: string): Promise<MailItem[]> => {
    const page = await api.json<{ items: MailItem[] }>(DEMO_ADMIN.email, 'GET', `/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
    return [...page.items].sort((a, b) => Date.parse(b.sentAt) - Date.parse(a.sentAt));
  };
  const tokenFor = async (to: string): Promise<string> => {
    const newest = (await mailbox(to))[0];
    const token = /\/invite\/([A-Za-z0-9_-]+)/.exec(newest?.text ?? '')?.[1];
    if (token === undefined) throw new Error(`demo: no invitation link was emailed to ${to}`);
    return token;
  };

  try {
    await createInstanceAdmin(database.db, { ...DEMO_ADMIN, password: DEMO_PASSWORD }, { scryptCost: app.ctx.scryptCost, now: clock.now() });
    const signInAdmin = () => api.signIn(DEMO_ADMIN.email, DEMO_PASSWORD);
    await signInAdmin();
    const admin = DEMO_ADMIN.email;

    const created = await api.json<{ id: string }>(admin, 'POST', '/api/v1/orgs', { name: DEMO_ORG });
    const base = `/api/v1/orgs/${created.id}`;
    await api.call(admin, 'PATCH', base, {
      settings: { invitationTtlDays: 14, reminderDaysBeforeExpiry: 3, senderName: 'Riverside Veterinary Group', openTracking: true },
    });
    const resources = new Map<string, string>();
    for (const r of DEMO_RESOURCES) {
      const resource = await api.json<{ id: string }>(admin, 'POST', `${base}/resources`, { kind: 'location', name: r });
      resources.set(r, resource.id);
    }
    await api.call(admin, 'POST', `${base}/roles`, DEMO_ROLE);
    // The group's own scheduling system: an API key it reads access with, and the app its
    // staff sign in to, so the API keys and Apps pages show what they are for.
    await api.call(admin, 'POST', `${base}/api-keys`, DEMO_API_KEY);
    await api.call(admin, 'POST', `${base}/apps`, DEMO_APP);
    // Its webhook, before any invitation, so every event from here on is delivered (R93). With
    // SMTP_URL set there is no dev receiver to point it at.
    if (receiver !== null) await api.call(admin, 'POST', `${base}/webhooks`, { url: receiver, events: DEMO_WEBHOOK_EVENTS });

    const people = new Map<string, { id: string; person: DemoPerson }>();
    for (const person of DEMO_PEOPLE) {
      const row = await api.json<{ id: string }>(admin, 'POST', `${base}/people`, {
        firstName: person.firstName,
        lastName: person.lastName,
        email: person.email,
        title: person.title,
        resourceId: person.location === null ? null : (resources.get(person.location) ?? null),
      });
      people.set(person.email, { id: row.id, person });
    }

    // Invitations go out over the two weeks; each invitee then does what their state says.
    const invited = DEMO_PEOPLE.filter((p) => p.state !== 'not_invited');
    const step = Math.floor((13 * DAY) / invited.length);
    for (const person of invited) {
      clock.advance(step);
      const entry = people.get(person.email);
      const short = person.state === 'expired';
      await api.call(admin, 'POST', `${base}/invitations`, {
        email: person.email,
        role: person.role,
        personId: entry?.id,
        firstName: person.firstName,
        lastName: person.lastName,
        ...(person.location === null || person.scope === 'org' ? {} : { resourceId: resources.get(person.location) }),
        ...(short ? { expiresAt: new Date(clock.now().getTime() + 2 * DAY).toISOString() } : {}),
        ...(person.message === undefined ? {} : { message: person.message }),
      });
      clock.advance(2 * MINUTE);
      await deliver();
      if (person.state === 'failed' || person.state === 'expired' || person.state === 'invited') continue;
      if (person.state === 'revoked') {
        clock.advance(5 * HOUR);
        const list = await api.json<{ items: { id: string }[] }>(admin, 'GET', `${base}/invitations?email=${encodeURIComponent(person.email)}`);
        const id = list.items[0]?.id;
        if (id !== undefined) await api.call(admin, 'POST', `${base}/invitations/${id}/revoke`);
        continue;
      }
      // Opened: the mail client shows the tracking pixel.
      clock.advance(40 * MINUTE);
      const pixel = /\/t\/([A-Za-z0-9_-]+)\.gif/.exec((await mailbox(person.email))[0]?.html ?? '')?.[1];
      if (pixel !== undefined) await app.inject({ method: 'GET', url: `/t/${pixel}.gif` });
      if (person.state === 'opened') continue;
      const token = await tokenFor(person.email);
      clock.advance(3 * MINUTE);
      await api.call(null, 'POST', '/api/v1/invitations/lookup', { token });
      if (person.state === 'clicked') continue;
      clock.advance(4 * MINUTE);
      if (person.state === 'declined') {
        await api.call(null, 'POST', '/api/v1/invitations/decline', { token });
        continue;
      }
      await api.call(null, 'POST', '/api/v1/invitations/register', {
        token,
        firstName: person.firstName,
        lastName: person.lastName,
        password: DEMO_PASSWORD,
        acceptTerms: true,
      });
    }

    // Back to the present: the sweep expires what ran out, and its emails go.
    clock.set(now);
    while ((await sweepExpiredBatch(app.ctx)) > 0) {
      // until no expired invitation is left
    }
    // One of them asks for a new link from the expired page: the overview's first task.
    const asker = DEMO_PEOPLE.find((p) => p.state === 'expired');
    if (asker !== undefined) await api.call(null, 'POST', '/api/v1/invitations/renew', { token: await tokenFor(asker.email) });
    await deliver();
  } finally {
    await app.close();
  }
  return outcome(true, 'loaded');
}
