import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createServerDatabase, testBackend } from '../test/database.js';
import { DEMO_CLINIC_LEAD, DEMO_PEOPLE } from './demo.data.js';
import { loadDemo } from './demo.js';

let config: Config;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  if (testBackend() === 'postgres') {
    const server = await createServerDatabase();
    config = loadConfig({ DATABASE_URL: server.url, LOG_LEVEL: 'silent' });
    cleanup = () => server.drop();
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-demo-'));
    config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
}, 60_000);

afterAll(async () => {
  await cleanup();
});

async function census() {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const db = database.db;
    const count = async (table: 'users' | 'people' | 'invitations' | 'events' | 'resources' | 'orgs' | 'api_keys' | 'apps') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
    const statuses = await db.selectFrom('invitations').select(['status']).execute();
    const renewals = await db.selectFrom('events').innerJoin('invitations as i', 'i.id', 'events.invitation_id').select(['i.email', 'i.status']).where('events.type', '=', 'invitation.renewal_requested').execute();
    return {
      renewals,
      users: await count('users'),
      people: await count('people'),
      invitations: await count('invitations'),
      events: await count('events'),
      resources: await count('resources'),
      orgs: await count('orgs'),
      apiKeys: await count('api_keys'),
      apps: await count('apps'),
      statuses: statuses.map((s) => s.status).sort(),
    };
  } finally {
    await database.close();
  }
}

/** The demo's webhook endpoints and their deliveries, and the invitation events that should have reached them. */
async function webhooks() {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const db = database.db;
    const endpoints = await db.selectFrom('webhook_endpoints').select(['id', 'url']).execute();
    const deliveries = await db
      .selectFrom('outbox')
      .select(['webhook_endpoint_id', 'status', 'response_status', 'attempts', 'payload'])
      .where('kind', '=', 'webhook')
      .execute();
    const invitationEvents = await db.selectFrom('events').select(['id']).where('invitation_id', 'is not', null).execute();
    return { endpoints, deliveries, invitationEventIds: invitationEvents.map((e) => e.id) };
  } finally {
    await database.close();
  }
}

async function grantsOf(email: string) {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await database.db
      .selectFrom('grants as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .leftJoin('resources as r', 'r.id', 'g.resource_id')
      .select(['g.role as role', 'r.name as resource'])
      .where('u.email', '=', email)
      .execute();
  } finally {
    await database.close();
  }
}

describe('gatehouse demo', () => {
  it('loads a clinic group with invitations in every state through the real paths, once', async () => {
    const first = await loadDemo(config, { ifEmpty: true });
    expect(first).toMatchObject({ loaded: true, reason: 'loaded', email: 'admin@riverside.example' });
    const after = await census();
    // Every console page has something to show: people, invitations, the audit trail, an API key, an app.
    expect(after).toMatchObject({ orgs: 1, resources: 3, people: DEMO_PEOPLE.length, apiKeys: 1, apps: 1 });
    expect(after.events).toBeGreaterThan(DEMO_PEOPLE.length);
    // Every invitation state the console shows, reached through the real paths.
    expect(new Set(after.statuses)).toEqual(
      new Set(['sent', 'opened', 'clicked', 'accepted', 'declined', 'revoked', 'expired', 'failed']),
    );
    expect(after.users).toBe(1 + DEMO_PEOPLE.filter((p) => p.state === 'registered').length);
    // One expired invitee has asked for a new link: the overview has a task waiting.
    expect(after.renewals).toEqual([{ email: DEMO_PEOPLE.find((p) => p.state === 'expired')?.email, status: 'expired' }]);

    // The printed second sign-in holds admin on one clinic and nothing org-wide.
    expect(first.clinicLead).toEqual({ email: 'tomas.garcia@riverside.example', location: 'Harbor Animal Hospital' });
    expect(await grantsOf(DEMO_CLINIC_LEAD.email)).toEqual([{ role: 'admin', resource: DEMO_CLINIC_LEAD.location }]);

    // A webhook with deliveries: the service's own dev receiver answered every one 204 (R93),
    // among them every invitation event.
    const hooks = await webhooks();
    expect(hooks.endpoints).toEqual([{ id: expect.any(String) as string, url: 'http://localhost:3000/api/v1/dev/webhooks' }]);
    expect(hooks.invitationEventIds.length).toBeGreaterThan(DEMO_PEOPLE.length);
    expect(hooks.deliveries.length).toBeGreaterThanOrEqual(hooks.invitationEventIds.length);
    expect(new Set(hooks.deliveries.map((d) => `${d.status} ${String(d.response_status)} ${String(d.attempts)}`))).toEqual(new Set(['sent 204 1']));
    const delivered = new Set(hooks.deliveries.map((d) => (d.payload.data as { eventId?: string } | undefined)?.eventId));
    expect(hooks.invitationEventIds.filter((id) => !delivered.has(id))).toEqual([]);

    expect(await loadDemo(config, { ifEmpty: false })).toMatchObject({ loaded: false, reason: 'exists' });
    expect(await loadDemo(config, { ifEmpty: true })).toMatchObject({ loaded: false, reason: 'exists' });
    expect(await census()).toEqual(after);
    expect((await webhooks()).deliveries).toHaveLength(hooks.deliveries.length);
  }, 180_000);

  it('loads nothing --if-empty into a database that already has accounts', async () => {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      await database.db.deleteFrom('orgs').where('name', '=', 'Riverside Veterinary Group').execute();
    } finally {
      await database.close();
    }
    expect(await loadDemo(config, { ifEmpty: true })).toMatchObject({ loaded: false, reason: 'not-empty' });
    expect((await census()).orgs).toBe(0);
  }, 60_000);
});
