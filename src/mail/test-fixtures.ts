/**
 * Fixtures for the mail tests: orgs, invitations and queued emails written straight to the
 * database (the invitations service is built elsewhere; these only set the stage). Plain
 * Kysely, no test-framework imports, so any test may use them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, InvitationStatus } from '../db/schema.js';
import { enqueueEmail, enqueueEmailRows, type InvitationEmailData, outboxRow } from './outbox.js';

export const FIXTURE_PUBLIC_URL = 'http://gatehouse.test';

export async function insertOrg(
  db: Kysely<DB>,
  now: Date,
  fields: { name?: string; openTracking?: boolean; senderName?: string | null; replyTo?: string | null } = {},
): Promise<{ id: string; name: string }> {
  return db
    .insertInto('orgs')
    .values({
      name: fields.name ?? 'Acme Clinics',
      open_tracking: fields.openTracking ?? true,
      sender_name: fields.senderName ?? null,
      reply_to: fields.replyTo ?? null,
      // As an instance admin creates it: its sender name and reply-to take effect.
      trusted: true,
      updated_at: now,
    })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
}

export interface FixtureInvitation {
  id: string;
  orgId: string;
  email: string;
  trackingId: string;
  token: string;
}

export async function insertInvitation(
  db: Kysely<DB>,
  now: Date,
  fields: { orgId: string; email?: string; status?: InvitationStatus; expiresAt?: Date; message?: string | null },
): Promise<FixtureInvitation> {
  const token = randomBytes(32).toString('base64url');
  const trackingId = randomBytes(16).toString('base64url');
  const email = fields.email ?? `invitee.${randomUUID().slice(0, 8)}@example.test`;
  const row = await db
    .insertInto('invitations')
    .values({
      org_id: fields.orgId,
      role: 'member',
      email,
      inviter_type: 'user',
      inviter_id: null,
      inviter_name: 'Ada Admin',
      message: fields.message ?? null,
      metadata: '{}',
      status: fields.status ?? 'pending',
      token_hash: token,
      tracking_id: trackingId,
      expires_at: fields.expiresAt ?? new Date(now.getTime() + 30 * 24 * 3600_000),
      updated_at: now,
    })
    .returning(['id'])
    .executeTakeFirstOrThrow();
  return { id: row.id, orgId: fields.orgId, email, trackingId, token };
}

export function invitationEmailData(invitation: FixtureInvitation, overrides: Partial<InvitationEmailData> = {}): InvitationEmailData {
  return {
    kind: 'invitation',
    link: `${FIXTURE_PUBLIC_URL}/invite/${invitation.token}`,
    orgName: 'Acme Clinics',
    orgTrusted: true,
    resourceName: null,
    roleName: 'Member',
    inviterName: 'Ada Admin',
    message: null,
    firstName: 'Grace',
    expiresAt: '2030-01-31T00:00:00.000Z',
    trackingPixelUrl: `${FIXTURE_PUBLIC_URL}/t/${invitation.trackingId}.gif`,
    ...overrides,
  };
}

/** Inserts an org and a pending invitation and queues its email; returns both and the Message-ID. */
export async function queuedInvitation(
  db: Kysely<DB>,
  now: Date,
  options: { email?: string; org?: { id: string }; data?: Partial<InvitationEmailData>; senderName?: string | null; replyTo?: string | null } = {},
): Promise<{ invitation: FixtureInvitation; messageId: string }> {
  const org = options.org ?? (await insertOrg(db, now));
  const invitation = await insertInvitation(db, now, { orgId: org.id, ...(options.email === undefined ? {} : { email: options.email }) });
  const messageId = await enqueueEmail(
    db,
    {
      to: invitation.email,
      orgId: org.id,
      invitationId: invitation.id,
      template: 'invitation',
      data: invitationEmailData(invitation, options.data),
      senderName: options.senderName ?? null,
      replyTo: options.replyTo ?? null,
    },
    now,
  );
  return { invitation, messageId };
}

/** Queues `count` password-reset emails (no invitation attached) in one statement per 1,000. */
export async function queuePlainEmails(db: Kysely<DB>, now: Date, count: number, prefix = 'bulk'): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const size = Math.min(1000, count - start);
    await enqueueEmailRows(
      db,
      Array.from({ length: size }, (_, i) =>
        outboxRow(
          {
            to: `${prefix}.${String(start + i)}@example.test`,
            orgId: null,
            template: 'password_reset',
            data: { firstName: 'Bulk', link: `${FIXTURE_PUBLIC_URL}/reset-password/${String(start + i)}` },
          },
          now,
        ),
      ),
    );
  }
}
