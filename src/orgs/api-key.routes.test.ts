import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE } from '../clock.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createOrg, createUser, grant, ownerWithOrg, signIn } from '../test/fixtures.js';
import { sha256 } from '../auth/crypto.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

interface CreatedKey {
  id: string;
  name: string;
  permissions: string[];
  prefix: string;
  secret: string;
}

describe('API keys', () => {
  it('shows the secret once, stores only its digest, authenticates as Bearer and records lastUsedAt', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/api-keys`,
      headers: { cookie },
      payload: { name: 'CRM sync', permissions: ['people:read', 'people:manage'] },
    });
    expect(res.statusCode).toBe(201);
    const key = res.json<CreatedKey>();
    expect(key.secret).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    const row = await t.ctx.db.selectFrom('api_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(sha256(key.secret));
    expect(JSON.stringify(row)).not.toContain(key.secret);

    const list = await t.inject({ url: `/api/v1/orgs/${org.id}/api-keys`, headers: { cookie } });
    expect(list.body).not.toContain(key.secret);
    expect(list.json()).toMatchObject({ items: [{ id: key.id, name: 'CRM sync', lastUsedAt: null, revokedAt: null }] });

    const bearer = { authorization: `Bearer ${key.secret}` };
    const people = await t.inject({ url: `/api/v1/orgs/${org.id}/people`, headers: bearer });
    expect(people.statusCode).toBe(200);
    const forbidden = await t.inject({ url: `/api/v1/orgs/${org.id}/roles`, headers: bearer });
    expect([forbidden.statusCode, errorCode(forbidden)]).toEqual([403, 'FORBIDDEN']);
    const used = await t.ctx.db.selectFrom('api_keys').select('last_used_at').where('id', '=', key.id).executeTakeFirstOrThrow();
    expect(used.last_used_at?.toISOString()).toBe(t.clock.now().toISOString());

    t.clock.advance(2 * MINUTE);
    const revoked = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/api-keys/${key.id}`, headers: { cookie } });
    expect(revoked.statusCode).toBe(204);
    const after = await t.inject({ url: `/api/v1/orgs/${org.id}/people`, headers: bearer });
    expect([after.statusCode, errorCode(after)]).toEqual([401, 'API_KEY_INVALID']);
  });

  it("cannot exceed the creator's permissions, or name unknown ones", async () => {
    const { org } = await ownerWithOrg(t);
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin');
    const cookie = await signIn(t, admin.email);
    const post = (permissions: string[]) =>
      t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/api-keys`, headers: { cookie }, payload: { name: 'k', permissions } });
    const exceeding = await post(['org:delete']);
    expect([exceeding.statusCode, errorCode(exceeding)]).toEqual([403, 'PERMISSION_NOT_GRANTABLE']);
    expect(errorCode(await post(['documents:read']))).toBe('PERMISSION_NOT_GRANTABLE');
    expect(errorCode(await post(['*']))).toBe('UNKNOWN_PERMISSION');
    expect(errorCode(await post([]))).toBe('VALIDATION_FAILED');
    expect((await post(['people:read'])).statusCode).toBe(201);
    expect(await t.ctx.db.selectFrom('api_keys').select('id').where('org_id', '=', org.id).execute()).toHaveLength(1);
  });

  it("a key loses what its creator loses: a demoted admin's key cannot mint keys, a removed admin's key holds nothing", async () => {
    const { org, cookie: ownerCookie } = await ownerWithOrg(t);
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin');
    const cookie = await signIn(t, admin.email);
    const created = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/api-keys`,
      headers: { cookie },
      payload: { name: 'admin key', permissions: ['api_keys:manage', 'people:read', 'members:manage'] },
    });
    const key = created.json<CreatedKey>();
    const bearer = { authorization: `Bearer ${key.secret}` };
    const mint = (headers: Record<string, string>, permissions = ['people:read']) =>
      t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/api-keys`, headers, payload: { name: 'minted', permissions } });
    // While the admin is an admin, the key works, and a key it mints is bound by the same admin.
    const child = await mint(bearer);
    expect(child.statusCode).toBe(201);
    const childKey = child.json<CreatedKey & { createdBy: string | null }>();
    expect(childKey.createdBy).toBe(admin.id);

    // The owner demotes the admin to viewer.
    const demoted = await t.inject({
      method: 'PUT',
      url: `/api/v1/orgs/${org.id}/members/${admin.id}/grants`,
      headers: { cookie: ownerCookie },
      payload: { resourceId: null, role: 'viewer' },
    });
    expect(demoted.statusCode).toBe(200);
    const afterDemotion = await mint(bearer);
    expect([afterDemotion.statusCode, errorCode(afterDemotion)]).toEqual([403, 'FORBIDDEN']);
    const people = await t.inject({ url: `/api/v1/orgs/${org.id}/people`, headers: bearer });
    expect([people.statusCode, errorCode(people)]).toEqual([403, 'FORBIDDEN']);
    const childPeople = await t.inject({ url: `/api/v1/orgs/${org.id}/people`, headers: { authorization: `Bearer ${childKey.secret}` } });
    expect(childPeople.statusCode).toBe(403);
    // The viewer's org:read was never the key's: the key gets no wider by the demotion either.
    expect((await t.inject({ url: `/api/v1/orgs/${org.id}`, headers: bearer })).statusCode).toBe(403);

    // Removed from the org: the key holds nothing at all.
    const removed = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/members/${admin.id}/grants`, headers: { cookie: ownerCookie } });
    expect(removed.statusCode).toBe(204);
    expect((await mint(bearer)).statusCode).toBe(403);
    expect(await t.ctx.db.selectFrom('api_keys').select('id').where('org_id', '=', org.id).execute()).toHaveLength(2);

    // Promoted back, the key's own permissions apply again (never more than it was given).
    await grant(t, admin.id, org.id, 'admin');
    expect((await t.inject({ url: `/api/v1/orgs/${org.id}/people`, headers: bearer })).statusCode).toBe(200);
    const wider = await mint(bearer, ['people:manage']);
    expect([wider.statusCode, errorCode(wider)]).toEqual([403, 'PERMISSION_NOT_GRANTABLE']);
  });

  it("answers 404 API_KEY_NOT_FOUND for another org's key and a key of another org cannot reach this one", async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const other = await ownerWithOrg(t, 'Other');
    const created = await t.inject({ method: 'POST', url: `/api/v1/orgs/${other.org.id}/api-keys`, headers: { cookie: other.cookie }, payload: { name: 'theirs', permissions: ['org:read'] } });
    const theirs = created.json<CreatedKey>();
    const revoke = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/api-keys?id=${theirs.id}`, headers: { cookie } });
    expect([revoke.statusCode, errorCode(revoke)]).toEqual([404, 'API_KEY_NOT_FOUND']);
    const cross = await t.inject({ url: `/api/v1/orgs/${org.id}`, headers: { authorization: `Bearer ${theirs.secret}` } });
    expect([cross.statusCode, errorCode(cross)]).toEqual([404, 'ORG_NOT_FOUND']);
    const orgs = await t.inject({ url: '/api/v1/orgs', headers: { authorization: `Bearer ${theirs.secret}` } });
    expect(orgs.json()).toMatchObject({ items: [{ id: other.org.id }] });
    const noOrg = await createOrg(t, 'Nobody');
    const none = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${noOrg.id}/api-keys/${theirs.id}`, headers: { cookie } });
    expect(errorCode(none)).toBe('ORG_NOT_FOUND');
  });
});
