/**
 * Test fixtures written straight to the database (users, orgs, grants), and sign-in through
 * the real endpoint. Tests about a feature go through its HTTP routes; these only set the stage.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../auth/password.js';
import type { UserRow } from '../db/schema.js';
import type { TestApp } from './app.js';

export const TEST_PASSWORD = 'correct horse battery';

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}.${String(counter)}.${String(process.pid)}@example.test`;
}

export async function createUser(
  t: TestApp,
  fields: Partial<Pick<UserRow, 'email' | 'first_name' | 'last_name' | 'status' | 'is_instance_admin'>> & {
    password?: string | null;
  } = {},
): Promise<UserRow> {
  const now = t.clock.now();
  const password = fields.password === undefined ? TEST_PASSWORD : fields.password;
  return t.ctx.db
    .insertInto('users')
    .values({
      email: fields.email ?? uniqueEmail(),
      first_name: fields.first_name ?? 'Test',
      last_name: fields.last_name ?? 'User',
      status: fields.status ?? 'active',
      is_instance_admin: fields.is_instance_admin ?? false,
      password_hash: password === null ? null : await hashPassword(password, t.ctx.scryptCost),
      email_verified_at: (fields.status ?? 'active') === 'active' ? now : null,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An org as an instance admin creates it: trusted (see org.service), unless told otherwise. */
export async function createOrg(t: TestApp, name = 'Acme Clinics', fields: { trusted?: boolean } = {}): Promise<{ id: string; name: string }> {
  return t.ctx.db
    .insertInto('orgs')
    .values({ name, trusted: fields.trusted ?? true, updated_at: t.clock.now() })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
}

export async function createResource(t: TestApp, orgId: string, name = 'Downtown', kind = 'location') {
  return t.ctx.db
    .insertInto('resources')
    .values({ org_id: orgId, kind, name, updated_at: t.clock.now() })
    .returning(['id', 'name', 'kind'])
    .executeTakeFirstOrThrow();
}

/** A registered app (OIDC client) of an org, written directly; returns its id. */
export async function createApp(
  t: TestApp,
  orgId: string,
  fields: { name?: string; type?: 'public' | 'confidential'; origins?: string[]; redirectUri?: string } = {},
): Promise<string> {
  const type = fields.type ?? 'public';
  const row = await t.ctx.db
    .insertInto('apps')
    .values({
      org_id: orgId,
      name: fields.name ?? 'CRM',
      type,
      client_id: `app_${randomUUID()}`,
      client_secret_hash: type === 'confidential' ? 'x' : null,
      redirect_uris: JSON.stringify([fields.redirectUri ?? 'https://crm.example/cb']),
      post_logout_redirect_uris: '[]',
      allowed_origins: JSON.stringify(fields.origins ?? []),
      updated_at: t.clock.now(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function grant(t: TestApp, userId: string, orgId: string, role: string, resourceId: string | null = null) {
  await t.ctx.db
    .insertInto('grants')
    .values({ user_id: userId, org_id: orgId, role, resource_id: resourceId, updated_at: t.clock.now() })
    .execute();
}

/** Signs in through POST /api/v1/auth/sign-in and returns the Cookie header to send. */
export async function signIn(t: TestApp, email: string, password = TEST_PASSWORD): Promise<string> {
  const res = await t.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${String(res.statusCode)} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'gatehouse_session');
  if (cookie === undefined) throw new Error('no session cookie');
  return `gatehouse_session=${cookie.value}`;
}

/** A user who owns a fresh org, signed in. */
export async function ownerWithOrg(t: TestApp, orgName?: string) {
  const user = await createUser(t);
  const org = await createOrg(t, orgName);
  await grant(t, user.id, org.id, 'owner');
  const cookie = await signIn(t, user.email);
  return { user, org, cookie };
}
