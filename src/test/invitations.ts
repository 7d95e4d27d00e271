/**
 * Invitation test helpers: create through the real route, read the token the way an invitee
 * does (from the queued email's link), and stand in for the mail dispatcher where a test needs
 * an invitation `sent` (the same row change and event as mail/invitation-delivery.ts).
 */
import type { LightMyRequestResponse } from 'fastify';
import { randomToken, sha256 } from '../auth/crypto.js';
import type { InvitationRow, JsonObject } from '../db/schema.js';
import { PARKED_AT } from '../invitations/invitation.repository.js';
import { markInvitationDeliveryFailed, markInvitationSent } from '../invitations/invitation.delivery.js';
import type { TestApp } from './app.js';

export interface InvitationAnswer {
  id: string;
  status: string;
  email: string;
  role: string;
  resourceId: string | null;
  personId: string | null;
  userId: string | null;
  expiresAt: string;
  resendCount: number;
  [key: string]: unknown;
}

export function auth(cookieOrKey: string): Record<string, string> {
  return cookieOrKey.startsWith('gh_') ? { authorization: `Bearer ${cookieOrKey}` } : { cookie: cookieOrKey };
}

export async function invite(
  t: TestApp,
  who: string,
  orgId: string,
  body: Record<string, unknown>,
): Promise<LightMyRequestResponse> {
  return t.inject({ method: 'POST', url: `/api/v1/orgs/${orgId}/invitations`, headers: auth(who), payload: body });
}

/** Creates an invitation and returns it with its token (read from the email). */
export async function inviteOk(
  t: TestApp,
  who: string,
  orgId: string,
  body: Record<string, unknown>,
): Promise<{ invitation: InvitationAnswer; token: string }> {
  const res = await invite(t, who, orgId, body);
  if (res.statusCode !== 201) throw new Error(`invite failed: ${String(res.statusCode)} ${res.body}`);
  const invitation = res.json<InvitationAnswer>();
  return { invitation, token: await tokenFor(t, invitation.id) };
}

/** The queued (unsent, not parked) invitation emails of an invitation, oldest first. */
export async function queuedEmails(t: TestApp, invitationId: string) {
  const rows = await t.ctx.db
    .selectFrom('outbox')
    .selectAll()
    .where('invitation_id', '=', invitationId)
    .where('kind', '=', 'email')
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    id: row.id,
    status: row.status,
    parked: row.next_attempt_at.getTime() === PARKED_AT.getTime(),
    nextAttemptAt: row.next_attempt_at,
    payload: row.payload as JsonObject & { to: string; template: string; senderName: string | null; replyTo: string | null; data: JsonObject },
  }));
}

/** The token of the latest invitation email queued for the invitation (what the invitee received). */
export async function tokenFor(t: TestApp, invitationId: string): Promise<string> {
  const emails = (await queuedEmails(t, invitationId)).filter((e) => !e.parked && e.payload.template === 'invitation');
  const link = emails.at(-1)?.payload.data.link;
  if (typeof link !== 'string') throw new Error('no invitation email queued');
  const token = link.split('/invite/')[1];
  if (token === undefined) throw new Error(`unexpected link ${link}`);
  return token;
}

/** What the dispatcher does on delivery: the queued emails sent; the invitation `sent` (mail/invitation-delivery.ts). */
export async function markSent(t: TestApp, invitationId: string): Promise<void> {
  const at = t.clock.now();
  await t.ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({ status: 'sent', sent_at: at })
      .where('invitation_id', '=', invitationId)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', at)
      .execute();
    await markInvitationSent(trx, { invitationId, messageId: '<test@gatehouse>', kind: 'invitation', at });
  });
}

/** What the dispatcher does when it gives up: the invitation `failed` (mail/invitation-delivery.ts). */
export async function markFailed(t: TestApp, invitationId: string): Promise<void> {
  const at = t.clock.now();
  await t.ctx.db.transaction().execute(async (trx) => {
    await markInvitationDeliveryFailed(trx, {
      invitationId,
      messageId: '<test@gatehouse>',
      kind: 'invitation',
      at,
      reason: '550 no such user',
      attempts: 8,
    });
  });
}

export async function invitationRow(t: TestApp, id: string): Promise<InvitationRow | undefined> {
  return t.ctx.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function eventTypes(t: TestApp, invitationId: string): Promise<string[]> {
  const rows = await t.ctx.db.selectFrom('events').select('type').where('invitation_id', '=', invitationId).orderBy('seq').execute();
  return rows.map((r) => r.type);
}

/**
 * An API key of the org (written directly; the API-key routes are the accounts area's),
 * created by one of the org's owners: a key holds no more than its creator holds now.
 */
export async function apiKey(t: TestApp, orgId: string, permissions: string[], name = 'CRM integration'): Promise<string> {
  const secret = `gh_${randomToken(24)}`;
  const owner = await t.ctx.db
    .selectFrom('grants')
    .select('user_id')
    .where('org_id', '=', orgId)
    .where('resource_id', 'is', null)
    .where('role', '=', 'owner')
    .executeTakeFirst();
  await t.ctx.db
    .insertInto('api_keys')
    .values({
      org_id: orgId,
      name,
      permissions: JSON.stringify(permissions),
      prefix: secret.slice(0, 8),
      secret_hash: sha256(secret),
      created_by: owner?.user_id ?? null,
    })
    .execute();
  return secret;
}

export async function createPerson(
  t: TestApp,
  orgId: string,
  fields: { email: string; first_name?: string; last_name?: string; resource_id?: string | null },
) {
  return t.ctx.db
    .insertInto('people')
    .values({
      org_id: orgId,
      email: fields.email,
      first_name: fields.first_name ?? 'Pat',
      last_name: fields.last_name ?? 'Person',
      resource_id: fields.resource_id ?? null,
      updated_at: t.clock.now(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
