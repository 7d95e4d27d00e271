import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchOnce } from '../mail/dispatcher.js';
import { mailboxTransport } from '../mail/mailbox.transport.js';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { createOrg, createResource, createUser, grant, ownerWithOrg, signIn } from '../test/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => {
  await t.close();
});

/** A user with standing in the org without a grant: linked to a person of its directory. */
async function linkedUser(orgId: string) {
  const user = await createUser(t);
  await t.ctx.db.insertInto('people').values({ org_id: orgId, first_name: 'P', last_name: 'P', email: user.email, user_id: user.id, updated_at: t.clock.now() }).execute();
  return user;
}

async function pendingInvitation(orgId: string, inviterId: string, fields: { resourceId: string | null; email: string; personId?: string | null; createdAt?: Date }) {
  const now = t.clock.now();
  return t.ctx.db
    .insertInto('invitations')
    .values({
      org_id: orgId,
      resource_id: fields.resourceId,
      person_id: fields.personId ?? null,
      role: 'viewer',
      email: fields.email,
      inviter_type: 'user',
      inviter_id: inviterId,
      inviter_name: 'Owner',
      message: 'secret note for the invitee',
      metadata: JSON.stringify({ crmId: 'c-42' }),
      status: 'sent',
      tracking_id: crypto.randomUUID(),
      expires_at: new Date(now.getTime() + 86_400_000),
      updated_at: now,
      ...(fields.createdAt === undefined ? {} : { created_at: fields.createdAt }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function events(orgId: string, type: string) {
  return t.ctx.db.selectFrom('events').selectAll().where('org_id', '=', orgId).where('type', '=', type).execute();
}

describe('organizations', () => {
  it('lets an instance admin create an org and become its owner, with a membership.granted event', async () => {
    const admin = await createUser(t, { is_instance_admin: true });
    const cookie = await signIn(t, admin.email);
    const res = await t.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie }, payload: { name: '  Paws Vet  ' } });
    expect(res.statusCode).toBe(201);
    const org = res.json<{ id: string; name: string; settings: Record<string, unknown> }>();
    expect(org.name).toBe('Paws Vet');
    expect(org.settings).toEqual({
      invitationTtlDays: 30,
      openTracking: true,
      reminderDaysBeforeExpiry: 0,
      senderName: null,
      replyTo: null,
      invitationsPerHour: 1000,
      autoRenew: false,
      defaultAppId: null,
      defaultReturnTo: null,
      logoUrl: null,
      logoImage: null,
      brandColor: null,
      termsUrl: null,
    });
    const grants = await t.ctx.db.selectFrom('grants').selectAll().where('org_id', '=', org.id).execute();
    expect(grants).toMatchObject([{ user_id: admin.id, role: 'owner', resource_id: null }]);
    expect(await events(org.id, 'membership.granted')).toHaveLength(1);
    const list = await t.inject({ url: '/api/v1/orgs', headers: { cookie } });
    expect(list.json<{ items: { id: string }[] }>().items.map((o) => o.id)).toContain(org.id);
  });

  it('refuses org creation to ordinary users when sign-up is off (403 ORG_CREATE_FORBIDDEN) and to anonymous callers', async () => {
    const user = await createUser(t);
    const cookie = await signIn(t, user.email);
    const res = await t.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie }, payload: { name: 'Nope' } });
    expect(res.statusCode).toBe(403);
    expect(errorCode(res)).toBe('ORG_CREATE_FORBIDDEN');
    const anonymous = await t.inject({ method: 'POST', url: '/api/v1/orgs', payload: { name: 'Nope' } });
    expect(errorCode(anonymous)).toBe('UNAUTHENTICATED');
  });

  it('lets any verified user create an org when ALLOW_SIGNUP=true', async () => {
    const open = await testApp({ ALLOW_SIGNUP: 'true' });
    try {
      const user = await createUser(open);
      const cookie = await signIn(open, user.email);
      const res = await open.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie }, payload: { name: 'Mine' } });
      expect(res.statusCode).toBe(201);
    } finally {
      await open.close();
    }
  });

  it('updates name and settings, validating ranges, reply-to and unknown fields', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const url = `/api/v1/orgs/${org.id}`;
    const ok = await t.inject({
      method: 'PATCH',
      url,
      headers: { cookie },
      payload: { name: 'Renamed', settings: { invitationTtlDays: 7, reminderDaysBeforeExpiry: 2, replyTo: ' HR@Example.test ', senderName: 'HR', autoRenew: true, invitationsPerHour: 50, openTracking: false } },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      name: 'Renamed',
      settings: { invitationTtlDays: 7, reminderDaysBeforeExpiry: 2, replyTo: 'hr@example.test', senderName: 'HR', autoRenew: true, invitationsPerHour: 50, openTracking: false },
    });
    const cases: [unknown, string, string][] = [
      [{ settings: { invitationTtlDays: 91 } }, 'VALIDATION_FAILED', 'settings.invitationTtlDays'],
      [{ settings: { replyTo: 'not-an-email' } }, 'INVALID_EMAIL', 'settings.replyTo'],
      [{ settings: { reminderDaysBeforeExpiry: 7 } }, 'VALIDATION_FAILED', 'settings.reminderDaysBeforeExpiry'],
      [{ settings: { bogus: 1 } }, 'VALIDATION_FAILED', 'settings.bogus'],
      [{ name: '   ' }, 'VALIDATION_FAILED', 'name'],
      [{ owner: 'me' }, 'VALIDATION_FAILED', 'owner'],
    ];
    for (const [payload, code, path] of cases) {
      const res = await t.inject({ method: 'PATCH', url, headers: { cookie }, payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(errorCode(res)).toBe(code);
      expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe(path);
    }
    const after = await t.inject({ url, headers: { cookie } });
    expect(after.json()).toMatchObject({ name: 'Renamed', settings: { invitationTtlDays: 7 } });
  });

  it('clears the reply-to and sender name with null (a nullable body field is not coerced to "")', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const url = `/api/v1/orgs/${org.id}`;
    await t.inject({ method: 'PATCH', url, headers: { cookie }, payload: { settings: { replyTo: 'hr@example.test', senderName: 'HR' } } });
    const cleared = await t.inject({ method: 'PATCH', url, headers: { cookie }, payload: { settings: { replyTo: null, senderName: null } } });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ settings: { replyTo: null, senderName: null } });
  });

  it('answers 404 ORG_NOT_FOUND for another org and for a malformed id 400', async () => {
    const { cookie } = await ownerWithOrg(t);
    const other = await createOrg(t, 'Other');
    const res = await t.inject({ url: `/api/v1/orgs/${other.id}`, headers: { cookie } });
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('ORG_NOT_FOUND');
    const bad = await t.inject({ url: '/api/v1/orgs/not-a-uuid', headers: { cookie } });
    expect(bad.statusCode).toBe(400);
    expect(errorCode(bad)).toBe('VALIDATION_FAILED');
  });
});

describe('self-service orgs and the operator ceiling', () => {
  const PHISH = 'URGENT: your bank account is locked, verify now';

  it('a self-service org cannot raise its quota past the ceiling, and its name and sender name stay out of the subject and From until an operator trusts it', async () => {
    const open = await testApp({ ALLOW_SIGNUP: 'true', INVITATION_QUOTA_MAX: '500', SELF_SERVICE_QUOTA_MAX: '20' });
    try {
      const user = await createUser(open);
      const cookie = await signIn(open, user.email);
      const created = await open.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie }, payload: { name: PHISH } });
      expect(created.statusCode).toBe(201);
      const org = created.json<{ id: string; trusted: boolean; settings: { invitationsPerHour: number } }>();
      expect([org.trusted, org.settings.invitationsPerHour]).toEqual([false, 20]);
      const url = `/api/v1/orgs/${org.id}`;
      const patch = (settings: object, who = cookie) => open.inject({ method: 'PATCH', url, headers: { cookie: who }, payload: { settings } });

      for (const quota of [1_000_000, 21]) {
        const above = await patch({ invitationsPerHour: quota, senderName: 'Bank Security' });
        expect([above.statusCode, errorCode(above)]).toEqual([400, 'INVITATION_QUOTA_ABOVE_MAX']);
        expect(above.json<{ error: { details: { path: string }[] } }>().error.details.map((d) => d.path)).toEqual(['settings.invitationsPerHour']);
      }
      const unchanged = await open.ctx.db.selectFrom('orgs').selectAll().where('id', '=', org.id).executeTakeFirstOrThrow();
      expect([unchanged.invitations_per_hour, unchanged.sender_name]).toEqual([20, null]);
      expect((await patch({ invitationsPerHour: 20, senderName: 'Bank Security', replyTo: 'help@phish.test' })).statusCode).toBe(200);

      // 25 at once: the quota lets 20 through.
      const bulk = await open.inject({
        method: 'POST',
        url: `${url}/invitations/bulk`,
        headers: { cookie },
        payload: { invitations: Array.from({ length: 25 }, (_, i) => ({ email: `victim${String(i)}@example.test`, role: 'viewer' })) },
      });
      const results = bulk.json<{ results: { ok: boolean; error?: { code: string } }[] }>().results;
      expect(results.filter((r) => r.ok)).toHaveLength(20);
      expect(new Set(results.filter((r) => !r.ok).map((r) => r.error?.code))).toEqual(new Set(['INVITATION_QUOTA_EXCEEDED']));

      const transport = mailboxTransport(open.ctx.db, open.clock);
      const sent = async (to: string) => {
        while ((await dispatchOnce(open.ctx, transport)).claimed > 0);
        return open.ctx.db.selectFrom('mailbox').selectAll().where('to', '=', to).orderBy('sent_at', 'desc').executeTakeFirstOrThrow();
      };
      const untrusted = await sent('victim0@example.test');
      expect(untrusted.subject).toBe('You have been invited');
      expect(untrusted.sender).toBe('Gatehouse <no-reply@localhost>');
      expect(untrusted.reply_to).toBeNull();
      // The body still says who invited them, as the inviter's own (escaped) text.
      expect(untrusted.text).toContain(PHISH);

      // Only an instance admin may trust an org.
      const trustUrl = `/api/v1/admin/orgs/${org.id}/trust`;
      const selfTrust = await open.inject({ method: 'PUT', url: trustUrl, headers: { cookie }, payload: { trusted: true } });
      expect([selfTrust.statusCode, errorCode(selfTrust)]).toEqual([403, 'FORBIDDEN']);
      const operator = await createUser(open, { is_instance_admin: true });
      const operatorCookie = await signIn(open, operator.email);
      const trusted = await open.inject({ method: 'PUT', url: trustUrl, headers: { cookie: operatorCookie }, payload: { trusted: true } });
      expect(trusted.json()).toMatchObject({ id: org.id, trusted: true });
      const missing = await open.inject({ method: 'PUT', url: `/api/v1/admin/orgs/${crypto.randomUUID()}/trust`, headers: { cookie: operatorCookie }, payload: { trusted: true } });
      expect(errorCode(missing)).toBe('ORG_NOT_FOUND');

      // Trusted: up to the instance ceiling, its own sender name, and its name in the subject.
      expect(errorCode(await patch({ invitationsPerHour: 501 }))).toBe('INVITATION_QUOTA_ABOVE_MAX');
      expect((await patch({ invitationsPerHour: 500 })).statusCode).toBe(200);
      await open.inject({ method: 'POST', url: `${url}/invitations`, headers: { cookie }, payload: { email: 'later@example.test', role: 'viewer' } });
      const named = await sent('later@example.test');
      expect(named.subject).toBe(`You are invited to join ${PHISH}`);
      expect(named.sender).toBe('Bank Security <no-reply@localhost>');
      expect(named.reply_to).toBe('help@phish.test');

      // Withdrawn: back within the self-service ceiling.
      const withdrawn = await open.inject({ method: 'PUT', url: trustUrl, headers: { cookie: operatorCookie }, payload: { trusted: false } });
      expect(withdrawn.json()).toMatchObject({ trusted: false, settings: { invitationsPerHour: 20 } });
    } finally {
      await open.close();
    }
    // A second app (its own database) starts slowly on a loaded machine.
  }, 120_000);

  it('an org an instance admin creates is trusted and names itself in the subject and From', async () => {
    const admin = await createUser(t, { is_instance_admin: true });
    const cookie = await signIn(t, admin.email);
    const created = await t.inject({ method: 'POST', url: '/api/v1/orgs', headers: { cookie }, payload: { name: 'Riverside Veterinary Group' } });
    const org = created.json<{ id: string; trusted: boolean }>();
    expect(org.trusted).toBe(true);
    await t.inject({ method: 'PATCH', url: `/api/v1/orgs/${org.id}`, headers: { cookie }, payload: { settings: { senderName: 'Riverside Vets' } } });
    const invited = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/invitations`, headers: { cookie }, payload: { email: 'new.vet@example.test', role: 'viewer' } });
    expect(invited.statusCode).toBe(201);
    const transport = mailboxTransport(t.ctx.db, t.clock);
    while ((await dispatchOnce(t.ctx, transport)).claimed > 0);
    const mail = await t.ctx.db.selectFrom('mailbox').selectAll().where('to', '=', 'new.vet@example.test').executeTakeFirstOrThrow();
    expect(mail.subject).toBe('You are invited to join Riverside Veterinary Group');
    expect(mail.sender).toBe('Riverside Vets <no-reply@localhost>');
  });
});

describe('resources', () => {
  it('creates, lists with keyset pages, gets, renames and deletes', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const base = `/api/v1/orgs/${org.id}/resources`;
    const ids: string[] = [];
    for (const name of ['Cedar', 'Alder', 'Birch']) {
      const res = await t.inject({ method: 'POST', url: base, headers: { cookie }, payload: { kind: 'location', name } });
      expect(res.statusCode).toBe(201);
      ids.push(res.json<{ id: string }>().id);
    }
    const first = await t.inject({ url: `${base}?limit=2`, headers: { cookie } });
    const page1 = first.json<{ items: { name: string }[]; nextCursor: string | null }>();
    expect(page1.items.map((r) => r.name)).toEqual(['Alder', 'Birch']);
    expect(page1.nextCursor).not.toBeNull();
    const second = await t.inject({ url: `${base}?limit=2&cursor=${String(page1.nextCursor)}`, headers: { cookie } });
    expect(second.json()).toMatchObject({ items: [{ name: 'Cedar' }], nextCursor: null });
    const badCursor = await t.inject({ url: `${base}?cursor=garbage`, headers: { cookie } });
    expect(errorCode(badCursor)).toBe('INVALID_CURSOR');

    const id = ids[0] ?? '';
    const patched = await t.inject({ method: 'PATCH', url: `${base}/${id}`, headers: { cookie }, payload: { name: 'Cedar North' } });
    expect(patched.json()).toMatchObject({ id, orgId: org.id, kind: 'location', name: 'Cedar North' });
    const deleted = await t.inject({ method: 'DELETE', url: `${base}/${id}`, headers: { cookie } });
    expect(deleted.statusCode).toBe(204);
    const gone = await t.inject({ url: `${base}/${id}`, headers: { cookie } });
    expect(errorCode(gone)).toBe('RESOURCE_NOT_FOUND');
  });

  it("answers 404 RESOURCE_NOT_FOUND for another org's resource", async () => {
    const { cookie, org } = await ownerWithOrg(t);
    const other = await createOrg(t, 'Elsewhere');
    const theirs = await createResource(t, other.id);
    const res = await t.inject({ url: `/api/v1/orgs/${org.id}/resources/${theirs.id}`, headers: { cookie } });
    expect(res.statusCode).toBe(404);
    expect(errorCode(res)).toBe('RESOURCE_NOT_FOUND');
  });
});

describe('roles', () => {
  it('lists built-ins and creates, edits and deletes custom roles', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const base = `/api/v1/orgs/${org.id}/roles`;
    const created = await t.inject({
      method: 'POST',
      url: base,
      headers: { cookie },
      payload: { key: 'billing', name: 'Billing', permissions: ['bills:write', 'documents:read', 'bills:write'] },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ key: 'billing', name: 'Billing', permissions: ['bills:write', 'documents:read'], builtIn: false });
    const list = await t.inject({ url: base, headers: { cookie } });
    const roles = list.json<{ items: { key: string; builtIn: boolean }[] }>().items;
    expect(roles.map((r) => [r.key, r.builtIn])).toEqual([
      ['owner', true],
      ['admin', true],
      ['member', true],
      ['viewer', true],
      ['billing', false],
    ]);
    const patched = await t.inject({ method: 'PATCH', url: `${base}/billing`, headers: { cookie }, payload: { permissions: ['bills:read'] } });
    expect(patched.json()).toMatchObject({ permissions: ['bills:read'] });
    const deleted = await t.inject({ method: 'DELETE', url: `${base}/billing`, headers: { cookie } });
    expect(deleted.statusCode).toBe(204);
  });

  it('lists roles to a resource-scoped admin at their resource only (?resourceId=)', async () => {
    const { org } = await ownerWithOrg(t);
    const [mine, other] = [await createResource(t, org.id, 'Harbor'), await createResource(t, org.id, 'Uptown')];
    const lead = await createUser(t);
    await grant(t, lead.id, org.id, 'admin', mine.id);
    const cookie = await signIn(t, lead.email);
    const base = `/api/v1/orgs/${org.id}/roles`;
    const atMine = await t.inject({ url: `${base}?resourceId=${mine.id}`, headers: { cookie } });
    expect(atMine.statusCode).toBe(200);
    expect(atMine.json<{ items: { key: string }[] }>().items.map((r) => r.key)).toEqual(['owner', 'admin', 'member', 'viewer']);
    for (const url of [base, `${base}?resourceId=${other.id}`]) {
      const res = await t.inject({ url, headers: { cookie } });
      expect([res.statusCode, errorCode(res)]).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('rejects bad keys, duplicate and built-in keys, unknown permissions, built-in edits and roles in use', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const base = `/api/v1/orgs/${org.id}/roles`;
    const post = (payload: object) => t.inject({ method: 'POST', url: base, headers: { cookie }, payload });
    expect(errorCode(await post({ key: 'Bad Key', name: 'x', permissions: [] }))).toBe('VALIDATION_FAILED');
    expect(errorCode(await post({ key: 'admin', name: 'x', permissions: [] }))).toBe('ROLE_EXISTS');
    const unknown = await post({ key: 'x1', name: 'x', permissions: ['people:read', 'people:destroy'] });
    expect(unknown.statusCode).toBe(400);
    expect(errorCode(unknown)).toBe('UNKNOWN_PERMISSION');
    expect(unknown.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toBe('permissions.1');
    expect(errorCode(await post({ key: 'x2', name: 'x', permissions: ['no-colon'] }))).toBe('UNKNOWN_PERMISSION');
    expect((await post({ key: 'desk', name: 'Desk', permissions: ['people:read'] })).statusCode).toBe(201);
    expect(errorCode(await post({ key: 'desk', name: 'Desk', permissions: [] }))).toBe('ROLE_EXISTS');
    const builtIn = await t.inject({ method: 'PATCH', url: `${base}/admin`, headers: { cookie }, payload: { name: 'Boss' } });
    expect([builtIn.statusCode, errorCode(builtIn)]).toEqual([409, 'ROLE_BUILT_IN']);
    const missing = await t.inject({ method: 'DELETE', url: `${base}/nothing`, headers: { cookie } });
    expect(errorCode(missing)).toBe('ROLE_NOT_FOUND');
    const user = await createUser(t);
    await grant(t, user.id, org.id, 'desk');
    const inUse = await t.inject({ method: 'DELETE', url: `${base}/desk`, headers: { cookie } });
    expect([inUse.statusCode, errorCode(inUse)]).toEqual([409, 'ROLE_IN_USE']);
  });

  it('keeps an admin from creating or editing a role with permissions they lack (no escalation)', async () => {
    const { org } = await ownerWithOrg(t);
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin');
    const cookie = await signIn(t, admin.email);
    const res = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/roles`,
      headers: { cookie },
      payload: { key: 'deleter', name: 'Deleter', permissions: ['org:delete'] },
    });
    expect([res.statusCode, errorCode(res)]).toEqual([403, 'PERMISSION_NOT_GRANTABLE']);
  });
});

describe('grants', () => {
  it('grants, changes and removes roles org-wide and per resource, with events', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const place = await createResource(t, org.id);
    const user = await linkedUser(org.id);
    const url = `/api/v1/orgs/${org.id}/members/${user.id}/grants`;
    const granted = await t.inject({ method: 'PUT', url, headers: { cookie }, payload: { resourceId: null, role: 'member' } });
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({ userId: user.id, orgId: org.id, resourceId: null, role: 'member' });
    const atPlace = await t.inject({ method: 'PUT', url, headers: { cookie }, payload: { resourceId: place.id, role: 'admin' } });
    expect(atPlace.json()).toMatchObject({ resourceId: place.id, role: 'admin' });
    const changed = await t.inject({ method: 'PUT', url, headers: { cookie }, payload: { resourceId: null, role: 'viewer' } });
    expect(changed.json()).toMatchObject({ role: 'viewer' });
    const same = await t.inject({ method: 'PUT', url, headers: { cookie }, payload: { resourceId: null, role: 'viewer' } });
    expect(same.statusCode).toBe(200);
    expect(await events(org.id, 'membership.changed')).toHaveLength(1);
    const removed = await t.inject({ method: 'DELETE', url: `${url}?resourceId=${place.id}`, headers: { cookie } });
    expect(removed.statusCode).toBe(204);
    const again = await t.inject({ method: 'DELETE', url: `${url}?resourceId=${place.id}`, headers: { cookie } });
    expect(errorCode(again)).toBe('GRANT_NOT_FOUND');
    const removedEvents = await events(org.id, 'membership.removed');
    expect(removedEvents.map((e) => e.data)).toEqual([{ role: 'admin', resourceId: place.id }]);
  });

  it('rejects unknown users, roles and resources, and bad bodies', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const user = await linkedUser(org.id);
    const url = `/api/v1/orgs/${org.id}/members/${user.id}/grants`;
    const put = (payload: object, target = url) => t.inject({ method: 'PUT', url: target, headers: { cookie }, payload });
    expect(errorCode(await put({ resourceId: null, role: 'member' }, `/api/v1/orgs/${org.id}/members/${crypto.randomUUID()}/grants`))).toBe('USER_NOT_FOUND');
    expect(errorCode(await put({ resourceId: null, role: 'wizard' }))).toBe('ROLE_NOT_FOUND');
    expect(errorCode(await put({ resourceId: crypto.randomUUID(), role: 'member' }))).toBe('RESOURCE_NOT_FOUND');
    expect(errorCode(await put({ role: 'member' }))).toBe('VALIDATION_FAILED');
    expect(errorCode(await put({ resourceId: null, role: 'member', extra: 1 }))).toBe('VALIDATION_FAILED');
    expect(await t.ctx.db.selectFrom('grants').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
  });

  it('only owners grant, change or remove owner; admins cannot escalate (ROLE_NOT_GRANTABLE)', async () => {
    const { org, user: owner } = await ownerWithOrg(t);
    const admin = await createUser(t);
    await grant(t, admin.id, org.id, 'admin');
    const cookie = await signIn(t, admin.email);
    const target = await linkedUser(org.id);
    const put = (userId: string, role: string) =>
      t.inject({ method: 'PUT', url: `/api/v1/orgs/${org.id}/members/${userId}/grants`, headers: { cookie }, payload: { resourceId: null, role } });
    const toOwner = await put(target.id, 'owner');
    expect([toOwner.statusCode, errorCode(toOwner)]).toEqual([403, 'ROLE_NOT_GRANTABLE']);
    expect((await put(target.id, 'member')).statusCode).toBe(200);
    expect(errorCode(await put(owner.id, 'viewer'))).toBe('ROLE_NOT_GRANTABLE');
    const removeOwner = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/members/${owner.id}/grants`, headers: { cookie } });
    expect(errorCode(removeOwner)).toBe('ROLE_NOT_GRANTABLE');
  });

  it('an admin cannot grant an account of the instance that has no standing in the org, and it answers like an id that does not exist', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const elsewhere = await ownerWithOrg(t, 'Elsewhere');
    const stranger = await createUser(t);
    const put = (userId: string) =>
      t.inject({ method: 'PUT', url: `/api/v1/orgs/${org.id}/members/${userId}/grants`, headers: { cookie }, payload: { resourceId: null, role: 'viewer' } });
    const strangerAnswer = await put(stranger.id);
    const otherOrgOwner = await put(elsewhere.user.id);
    const missing = await put(crypto.randomUUID());
    expect([strangerAnswer.statusCode, errorCode(strangerAnswer)]).toEqual([404, 'USER_NOT_FOUND']);
    expect(strangerAnswer.json()).toEqual(missing.json());
    expect(otherOrgOwner.json()).toEqual(missing.json());
    expect(await t.ctx.db.selectFrom('grants').select('id').where('org_id', '=', org.id).where('user_id', 'in', [stranger.id, elsewhere.user.id]).execute()).toEqual([]);
    const access = await t.inject({ url: `/api/v1/orgs/${org.id}/access`, headers: { cookie } });
    expect(access.body).not.toContain(stranger.id);

    // Standing: a grant in the org already (here at a resource), or a link to a person of the org.
    const place = await createResource(t, org.id);
    const local = await createUser(t);
    await grant(t, local.id, org.id, 'viewer', place.id);
    expect((await put(local.id)).statusCode).toBe(200);
    expect((await put((await linkedUser(org.id)).id)).statusCode).toBe(200);
  });

  it("a location admin naming another org's resource gets 404 RESOURCE_NOT_FOUND, never 403", async () => {
    const { org } = await ownerWithOrg(t);
    const place = await createResource(t, org.id, 'Mine');
    const sibling = await createResource(t, org.id, 'Sibling');
    const other = await ownerWithOrg(t, 'Other Group');
    const foreign = await createResource(t, other.org.id, 'Theirs');
    const locationAdmin = await createUser(t);
    await grant(t, locationAdmin.id, org.id, 'admin', place.id);
    const cookie = await signIn(t, locationAdmin.email);
    const member = await linkedUser(org.id);
    const base = `/api/v1/orgs/${org.id}`;
    const answers = [
      await t.inject({ url: `${base}/access?resourceId=${foreign.id}`, headers: { cookie } }),
      await t.inject({ url: `${base}/roles?resourceId=${foreign.id}`, headers: { cookie } }),
      await t.inject({ url: `${base}/resources/${foreign.id}`, headers: { cookie } }),
      await t.inject({ url: `${base}/people?resourceId=${foreign.id}`, headers: { cookie } }),
      await t.inject({ url: `${base}/invitations?resourceId=${foreign.id}`, headers: { cookie } }),
      await t.inject({ method: 'POST', url: `${base}/access/check`, headers: { cookie }, payload: { userId: member.id, permission: 'org:read', resourceId: foreign.id } }),
      await t.inject({ method: 'PUT', url: `${base}/members/${member.id}/grants`, headers: { cookie }, payload: { resourceId: foreign.id, role: 'viewer' } }),
      await t.inject({ method: 'DELETE', url: `${base}/members/${member.id}/grants?resourceId=${foreign.id}`, headers: { cookie } }),
      await t.inject({ method: 'POST', url: `${base}/people`, headers: { cookie }, payload: { firstName: 'A', lastName: 'B', email: 'ab@example.test', resourceId: foreign.id } }),
      await t.inject({ method: 'POST', url: `${base}/invitations`, headers: { cookie }, payload: { email: 'ab@example.test', role: 'viewer', resourceId: foreign.id } }),
    ];
    expect(answers.map((res) => [res.statusCode, errorCode(res)])).toEqual(answers.map(() => [404, 'RESOURCE_NOT_FOUND']));
    // A resource of the caller's own org where they hold nothing is still a 403.
    const own = await t.inject({ url: `${base}/access?resourceId=${sibling.id}`, headers: { cookie } });
    expect([own.statusCode, errorCode(own)]).toEqual([403, 'FORBIDDEN']);
  });

  it('never demotes or removes the last owner (409 LAST_OWNER), even when two owners step down at once', async () => {
    const { org, user: first, cookie } = await ownerWithOrg(t);
    const self = `/api/v1/orgs/${org.id}/members/${first.id}/grants`;
    const demote = await t.inject({ method: 'PUT', url: self, headers: { cookie }, payload: { resourceId: null, role: 'admin' } });
    expect([demote.statusCode, errorCode(demote)]).toEqual([409, 'LAST_OWNER']);
    const remove = await t.inject({ method: 'DELETE', url: self, headers: { cookie } });
    expect(errorCode(remove)).toBe('LAST_OWNER');

    const second = await createUser(t);
    await grant(t, second.id, org.id, 'owner');
    const secondCookie = await signIn(t, second.email);
    const [a, b] = await Promise.all([
      t.inject({ method: 'PUT', url: self, headers: { cookie }, payload: { resourceId: null, role: 'member' } }),
      t.inject({ method: 'PUT', url: `/api/v1/orgs/${org.id}/members/${second.id}/grants`, headers: { cookie: secondCookie }, payload: { resourceId: null, role: 'member' } }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect([errorCode(a), errorCode(b)]).toContain('LAST_OWNER');
    const owners = await t.ctx.db.selectFrom('grants').select('user_id').where('org_id', '=', org.id).where('role', '=', 'owner').execute();
    expect(owners).toHaveLength(1);
  });
});

describe('access list and check', () => {
  it('merges org-wide grants (inherited) with the resource grants and lists pending invitations', async () => {
    const { org, user: owner, cookie } = await ownerWithOrg(t);
    const place = await createResource(t, org.id, 'Uptown');
    const elsewhere = await createResource(t, org.id, 'Midtown');
    const local = await createUser(t, { last_name: 'Local' });
    const other = await createUser(t, { last_name: 'Other' });
    await grant(t, local.id, org.id, 'member', place.id);
    await grant(t, other.id, org.id, 'member', elsewhere.id);
    const now = t.clock.now();
    await t.ctx.db
      .insertInto('invitations')
      .values({
        org_id: org.id,
        resource_id: place.id,
        role: 'viewer',
        email: 'invitee@example.test',
        inviter_type: 'user',
        inviter_id: owner.id,
        inviter_name: 'Owner',
        metadata: '{}',
        status: 'sent',
        tracking_id: crypto.randomUUID(),
        expires_at: new Date(now.getTime() + 86_400_000),
        updated_at: now,
      })
      .execute();
    const res = await t.inject({ url: `/api/v1/orgs/${org.id}/access?resourceId=${place.id}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ items: { user: { id: string }; role: string; inherited: boolean; resourceId: string | null }[]; pending: { email: string; status: string }[] }>();
    expect(body.items.map((i) => [i.user.id, i.role, i.inherited])).toEqual(
      expect.arrayContaining([
        [owner.id, 'owner', true],
        [local.id, 'member', false],
      ]),
    );
    expect(body.items.map((i) => i.user.id)).not.toContain(other.id);
    expect(body.pending).toMatchObject([{ email: 'invitee@example.test', status: 'sent' }]);
    expect(res.body).not.toContain('token');

    const whole = await t.inject({ url: `/api/v1/orgs/${org.id}/access`, headers: { cookie } });
    expect(whole.json<{ items: unknown[] }>().items).toHaveLength(3);
  });

  it('the access list shows pending invitations whole only to callers who may read invitations at their scope, and no person ids outside it', async () => {
    const { org, user: owner, cookie: ownerCookie } = await ownerWithOrg(t);
    const place = await createResource(t, org.id, 'Uptown');
    const person = await t.ctx.db
      .insertInto('people')
      .values({ org_id: org.id, first_name: 'Org', last_name: 'Wide', email: 'orgwide@example.test', updated_at: t.clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const local = await t.ctx.db
      .insertInto('people')
      .values({ org_id: org.id, first_name: 'Lo', last_name: 'Cal', email: 'local@example.test', resource_id: place.id, updated_at: t.clock.now() })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Newest first: the location's invitation was sent a minute after the org-wide one.
    const sentAt = t.clock.now().getTime();
    const orgWide = await pendingInvitation(org.id, owner.id, { resourceId: null, email: 'orgwide@example.test', personId: person.id, createdAt: new Date(sentAt - 60_000) });
    const atPlace = await pendingInvitation(org.id, owner.id, { resourceId: place.id, email: 'local@example.test', personId: local.id, createdAt: new Date(sentAt) });
    const signedIn = async (role: string) => {
      const user = await createUser(t);
      await grant(t, user.id, org.id, role, place.id);
      return signIn(t, user.email);
    };
    const pending = async (cookie: string) => {
      const res = await t.inject({ url: `/api/v1/orgs/${org.id}/access?resourceId=${place.id}`, headers: { cookie } });
      expect(res.statusCode).toBe(200);
      return res.json<{ pending: Record<string, unknown>[] }>().pending;
    };
    const reduced = (id: string, resourceId: string | null, email: string) => ({ id, email, role: 'viewer', resourceId, status: 'sent', expiresAt: expect.any(String) as unknown });

    // A viewer of one location: 403 from the invitations API, and only the reduced shape here.
    const viewer = await signedIn('viewer');
    const invitationsApi = await t.inject({ url: `/api/v1/orgs/${org.id}/invitations?resourceId=${place.id}`, headers: { cookie: viewer } });
    expect(invitationsApi.statusCode).toBe(403);
    const seenByViewer = await pending(viewer);
    expect(seenByViewer).toEqual([reduced(atPlace.id, place.id, 'local@example.test'), reduced(orgWide.id, null, 'orgwide@example.test')]);

    // A location admin: the location's invitation whole; the org-wide one reduced, so the
    // org-wide person's id does not leak.
    const admin = await signedIn('admin');
    const seenByAdmin = await pending(admin);
    expect(seenByAdmin[0]).toMatchObject({ id: atPlace.id, message: 'secret note for the invitee', metadata: { crmId: 'c-42' }, personId: local.id });
    expect(seenByAdmin[1]).toEqual(reduced(orgWide.id, null, 'orgwide@example.test'));
    expect(JSON.stringify(seenByAdmin)).not.toContain(person.id);

    // The org's owner sees both whole.
    const seenByOwner = await pending(ownerCookie);
    expect(seenByOwner.map((i) => [i.id, i.message, i.personId])).toEqual([
      [atPlace.id, 'secret note for the invitee', local.id],
      [orgWide.id, 'secret note for the invitee', person.id],
    ]);
  });

  it("the audit trail shows an invitation event's data (message, metadata) only to callers who may read invitations", async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/roles`,
      headers: { cookie },
      payload: { key: 'auditor', name: 'Auditor', permissions: ['org:read', 'events:read'] },
    });
    const auditor = await createUser(t);
    await grant(t, auditor.id, org.id, 'auditor');
    const invited = await t.inject({
      method: 'POST',
      url: `/api/v1/orgs/${org.id}/invitations`,
      headers: { cookie },
      payload: { email: 'audited@example.test', role: 'viewer', message: 'private words', metadata: { crmId: 'c-7' } },
    });
    const invitationId = invited.json<{ id: string }>().id;
    const trail = async (who: string) =>
      (await t.inject({ url: `/api/v1/orgs/${org.id}/events?invitationId=${invitationId}`, headers: { cookie: who } })).json<{ items: { type: string; data: object; invitationId: string }[] }>().items;
    const seenByAuditor = await trail(await signIn(t, auditor.email));
    expect(seenByAuditor.map((e) => [e.type, e.data, e.invitationId])).toEqual([['invitation.created', {}, invitationId]]);
    expect(JSON.stringify(await trail(cookie))).toContain('private words');
  });

  it('checks a permission and says which grant allows it', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const place = await createResource(t, org.id);
    const user = await createUser(t);
    await grant(t, user.id, org.id, 'viewer');
    await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/roles`, headers: { cookie }, payload: { key: 'vet', name: 'Vet', permissions: ['records:write'] } });
    await grant(t, user.id, org.id, 'vet', place.id);
    const check = async (payload: object) =>
      (await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/access/check`, headers: { cookie }, payload })).json<unknown>();
    expect(await check({ userId: user.id, permission: 'records:write', resourceId: place.id })).toEqual({ allowed: true, role: 'vet', via: 'resource' });
    expect(await check({ userId: user.id, permission: 'org:read', resourceId: place.id })).toEqual({ allowed: true, role: 'viewer', via: 'org' });
    expect(await check({ userId: user.id, permission: 'records:write' })).toEqual({ allowed: false, role: null, via: null });
    const bad = await t.inject({ method: 'POST', url: `/api/v1/orgs/${org.id}/access/check`, headers: { cookie }, payload: { userId: user.id, permission: 'nope' } });
    expect(errorCode(bad)).toBe('VALIDATION_FAILED');
  });
});
