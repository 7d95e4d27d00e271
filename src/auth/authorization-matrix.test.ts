/**
 * The authorization matrix (docs/rules.md R19, R23): every org-scoped route × every kind of actor,
 * against the real app, from the tables in src/test/matrix/. A route under /api/v1/orgs/:orgId
 * without a table entry fails this suite, so no route ships without a policy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInRole, GATEHOUSE_PERMISSIONS, holds } from './permissions.js';
import { randomToken, sha256 } from './crypto.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createOrg, createResource, createUser, grant, signIn } from '../test/fixtures.js';
import { ACTORS, type ActorName, MATRIX, type MatrixEntry, type MatrixWorld } from '../test/matrix/index.js';

let t: TestApp;
let world: MatrixWorld;
const credentials = new Map<ActorName, Record<string, string>>();

let counter = 0;
const unique = () => {
  counter += 1;
  return `m${String(counter)}x${String(Date.now() % 100_000)}`;
};

/** A key created by `createdBy` (a key holds no more than its creator holds now). */
async function apiKey(orgId: string, createdBy: string, permissions: readonly string[]): Promise<{ id: string; secret: string }> {
  const secret = `gh_${randomToken()}`;
  const row = await t.ctx.db
    .insertInto('api_keys')
    .values({ org_id: orgId, name: 'matrix', permissions: JSON.stringify(permissions), prefix: secret.slice(0, 9), secret_hash: sha256(secret), created_by: createdBy })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, secret };
}

beforeAll(async () => {
  t = await testApp();
  const org = await createOrg(t, 'Matrix Org');
  const resource = await createResource(t, org.id, 'Matrix Place');
  const other = await createOrg(t, 'Other Org');
  const users: Partial<Record<ActorName, string>> = {};
  for (const [actor, role, orgId, resourceId] of [
    ['owner', 'owner', org.id, null],
    ['admin', 'admin', org.id, null],
    ['member', 'member', org.id, null],
    ['viewer', 'viewer', org.id, null],
    ['resourceAdmin', 'admin', org.id, resource.id],
    ['outsider', 'owner', other.id, null],
  ] as const) {
    const user = await createUser(t);
    await grant(t, user.id, orgId, role, resourceId);
    users[actor] = user.id;
    credentials.set(actor, { cookie: await signIn(t, user.email) });
  }
  credentials.set('anonymous', {});
  const adminPermissions = GATEHOUSE_PERMISSIONS.filter((permission) => permission !== 'org:delete');
  credentials.set('keyWith', { authorization: `Bearer ${(await apiKey(org.id, users.owner ?? '', adminPermissions)).secret}` });
  credentials.set('keyWithout', { authorization: `Bearer ${(await apiKey(org.id, users.owner ?? '', [])).secret}` });

  world = {
    t,
    orgId: org.id,
    resourceId: resource.id,
    ownerId: users.owner ?? '',
    unique,
    newUser: async () => {
      const user = await createUser(t);
      await t.ctx.db
        .insertInto('people')
        .values({ org_id: org.id, first_name: 'U', last_name: unique(), email: user.email, user_id: user.id, updated_at: t.clock.now() })
        .execute();
      return user.id;
    },
    newResource: async () => (await createResource(t, org.id, unique())).id,
    newPerson: async (resourceId) =>
      (
        await t.ctx.db
          .insertInto('people')
          .values({ org_id: org.id, first_name: 'P', last_name: unique(), email: `${unique()}@example.test`, resource_id: resourceId, updated_at: t.clock.now() })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    newRole: async () => {
      const key = `role${unique()}`;
      await t.ctx.db
        .insertInto('roles')
        .values({ org_id: org.id, key, name: 'R', permissions: JSON.stringify(['people:read']), updated_at: t.clock.now() })
        .execute();
      return key;
    },
    newApiKey: async () => (await apiKey(org.id, users.owner ?? '', ['people:read'])).id,
  };
});
afterAll(async () => {
  await t.close();
});

function expected(entry: MatrixEntry, actor: ActorName): number {
  if (entry.allowed.includes(actor)) return entry.ok;
  if (actor === 'anonymous') return 401;
  if (actor === 'outsider') return 404;
  return 403;
}

const ORG_SCOPED = /^\/api\/v1\/orgs\/:orgId(\/|$)/;

const ADMIN_PERMISSIONS = GATEHOUSE_PERMISSIONS.filter((permission) => permission !== 'org:delete');
const rolePermissions = (key: string) => builtInRole(key)?.permissions ?? [];

/** What each actor of the world holds, org-wide and at the world's resource (see beforeAll). */
function heldBy(actor: ActorName, atWorldResource: boolean): readonly string[] {
  switch (actor) {
    case 'owner':
    case 'admin':
    case 'member':
    case 'viewer':
      return rolePermissions(actor);
    case 'resourceAdmin':
      return atWorldResource ? rolePermissions('admin') : [];
    case 'keyWith':
      return ADMIN_PERMISSIONS;
    case 'outsider':
    case 'anonymous':
    case 'keyWithout':
      return [];
  }
}

function declarationOf(entry: MatrixEntry) {
  return t.app.routeList.find((route) => route.method === entry.method && route.url === entry.route)?.declaration;
}

describe('authorization matrix', () => {
  it('has an entry for every org-scoped route the app registers', () => {
    const registered = t.app.routeList
      .filter((route) => route.method !== 'HEAD' && ORG_SCOPED.test(route.url))
      .map((route) => `${route.method} ${route.url}`);
    const covered = new Set(MATRIX.map((entry) => `${entry.method} ${entry.route}`));
    expect(registered.filter((route) => !covered.has(route)), 'org-scoped routes without a matrix entry').toEqual([]);
    // And the table names no route that does not exist (a typo would silently test nothing).
    const known = new Set(registered);
    expect([...covered].filter((route) => !known.has(route)), 'matrix entries for unknown routes').toEqual([]);
  });

  it('an org-scoped route declared with route() names the permission or org standing it needs', () => {
    const loose = t.app.routeList
      .filter((route) => ORG_SCOPED.test(route.url) && route.declaration !== undefined)
      .filter((route) => typeof route.declaration?.auth !== 'object' && route.declaration?.auth !== 'orgMember')
      .map((route) => `${route.method} ${route.url}`);
    expect(loose).toEqual([]);
  });

  // The table above is written by hand; a route declared with a permission must let in exactly
  // the actors that hold it at the entry's scope, so the declaration and the table cannot drift.
  it.each(MATRIX.map((entry) => [`${entry.method} ${entry.route}${entry.variant === undefined ? '' : ` (${entry.variant})`}`, entry] as const))(
    'declared permission agrees with the table: %s',
    async (_name, entry) => {
      const auth = declarationOf(entry)?.auth;
      if (typeof auth !== 'object') return;
      const request = await entry.request(world);
      const atWorldResource = auth.resourceIdFrom !== undefined && JSON.stringify(request).includes(world.resourceId);
      const holders = ACTORS.filter((actor) => holds(heldBy(actor, atWorldResource), auth.permission));
      expect([...entry.allowed].sort()).toEqual([...holders].sort());
    },
  );

  it('reads the declared permission of converted routes', () => {
    const events = MATRIX.find((entry) => entry.route === '/api/v1/orgs/:orgId/events');
    expect(events === undefined ? undefined : declarationOf(events)?.auth).toEqual({ permission: 'events:read' });
  });

  describe.each(MATRIX.map((entry) => [`${entry.method} ${entry.route}${entry.variant === undefined ? '' : ` (${entry.variant})`}`, entry] as const))(
    '%s',
    (_name, entry) => {
      it.each(ACTORS.map((actor) => [actor, expected(entry, actor)] as const))('%s -> %i', async (actor, status) => {
        const request = await entry.request(world);
        const res = await t.inject({
          method: entry.method,
          url: request.url,
          headers: { ...credentials.get(actor), ...request.headers },
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        });
        expect(res.statusCode, res.body).toBe(status);
        if (status === 401) expect(errorCode(res)).toBe('UNAUTHENTICATED');
        if (status === 404) expect(errorCode(res)).toBe('ORG_NOT_FOUND');
        if (status === 403) expect(errorCode(res)).toBe('FORBIDDEN');
      });
    },
  );
});
