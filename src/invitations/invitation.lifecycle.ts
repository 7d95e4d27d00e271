/**
 * The invitation lifecycle: one small function per transition. Each takes a row its caller has
 * locked (SELECT … FOR UPDATE in the caller's transaction), checks the state, writes the row
 * change and its event, and queues any email, all in that transaction. So a rollback leaves
 * no event and sends nothing, and two transitions of one invitation never interleave.
 * `create` has no row to lock yet: it writes the rows, their events and their emails in one
 * statement, which is all or nothing on its own.
 *
 * Event `data` carries what `replay()` (invitation.replay.ts) needs to rebuild the row.
 *
 * Token rules (docs/rules.md R1, R2): the digest is replaced on rotation (resend, correction); on
 * accept, decline, revoke and expiry it is kept, so a dead link is still recognised and the
 * invitee is told which state it is in, but no transition accepts it any more.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { DAY, MINUTE } from '../clock.js';
import type { Config } from '../config.js';
import type { DB, InvitationRow, JsonObject, UserRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent, type EventActor, eventValues, type NewEvent } from '../events/event.repository.js';
import type { EventType } from '../events/event.types.js';
import { webhookDeliveryRows, type WebhookEndpointSubscription } from '../webhooks/fanout.js';
import { enqueueEmail } from '../mail/outbox.js';
import { insertGrantIfAbsent } from '../orgs/grant.repository.js';
import { linkPerson as linkDirectoryEntry } from '../people/person.service.js';
import { invitationEmailData, orgSender, queueTokenEmails, reminderDueAt, tokenEmailRows } from './invitation.email.js';
import { findUserById } from '../auth/user.repository.js';
import {
  cancelQueuedInvitationEmails,
  deleteInvitation,
  type EmailContext,
  findLiveByScopes,
  findParkedReminder,
  hasEventSince,
  insertNewInvitations,
  type NewInvitationRow,
  releaseParkedReminder,
  releaseQuota,
  scopeKey,
  updateInvitation,
} from './invitation.repository.js';
import { isClickable, isDue, isEditable, isLive, isResendable } from '../common/invitation-states.js';
import { consoleLink, mintToken, mintTokens, newTrackingId, newTrackingIds } from './invitation.token.js';

/** What every transition works with. */
export interface Step {
  trx: Transaction<DB>;
  config: Pick<Config, 'publicUrl'>;
  now: Date;
  actor: EventActor;
}

/** docs/rules.md R4: one resend per minute per invitation. */
export const RESEND_COOLDOWN_MS = MINUTE;

export const INVITEE_ACTOR: EventActor = { type: 'invitee', id: null, label: 'Invitee' };

async function record(step: Step, row: InvitationRow, type: EventType, data: JsonObject = {}): Promise<void> {
  await appendEvent(step.trx, {
    type,
    orgId: row.org_id,
    actor: step.actor,
    invitationId: row.id,
    personId: row.person_id,
    userId: row.user_id,
    data,
    occurredAt: step.now,
  });
}

// ---------------------------------------------------------------------------------------------
// create

export interface CreateInput {
  email: string;
  role: string;
  resourceId: string | null;
  personId: string | null;
  userId: string | null;
  firstName: string | null;
  lastName: string | null;
  message: string | null;
  metadata: JsonObject;
  expiresAt: Date;
  inviter: { type: 'user' | 'api_key'; id: string; name: string };
  /** Where the invitee lands after accepting (docs/rules.md R60). */
  appId: string | null;
  returnTo: string | null;
}

/** The `invitation.created` data: everything replay needs to start the row. */
function createdData(row: NewInvitationRow): JsonObject {
  return {
    email: row.email,
    role: row.role,
    resourceId: row.resource_id,
    personId: row.person_id,
    userId: row.user_id,
    firstName: row.first_name,
    lastName: row.last_name,
    message: row.message,
    expiresAt: row.expires_at.toISOString(),
    appId: row.app_id,
    returnTo: row.return_to,
  };
}

/** What a create works with: any executor, since it writes in one statement (see create). */
export interface CreateStep {
  db: Kysely<DB> | Transaction<DB>;
  config: Pick<Config, 'publicUrl'>;
  now: Date;
  actor: EventActor;
}

/**
 * Creates invitations (one, or a bulk batch): the rows, their `invitation.created` events,
 * their emails, the events' webhook deliveries and the quota use, all in one statement
 * (insertNewInvitations), so a create is atomic on its own; a caller that writes more with it
 * (the user-first flow) passes a transaction. Null when the hourly quota cannot take them all:
 * then nothing is written. The partial unique index `invitations_one_live`
 * settles a race with a concurrent create of the same email, org and resource: the loser
 * writes nothing and gets the live row back (`created: false`), with no event and no email
 * (docs/rules.md R8).
 */
export async function create(
  step: CreateStep,
  orgId: string,
  contextFor: (row: Pick<InvitationRow, 'resource_id' | 'role'>) => EmailContext,
  inputs: readonly CreateInput[],
  options: {
    /** The org's webhook endpoints, as read by the caller. */
    webhooks: readonly WebhookEndpointSubscription[];
    /** The hourly quota window the new invitations count in, and the org's limit. */
    quota: { windowStart: Date; limit: number };
  },
): Promise<{ row: InvitationRow; created: boolean }[] | null> {
  if (inputs.length === 0) return [];
  const tokens = mintTokens(inputs.length);
  const trackingIds = newTrackingIds(inputs.length);
  const planned = inputs.map((input, i): { row: NewInvitationRow; token: string } => {
    const minted = tokens[i];
    const trackingId = trackingIds[i];
    if (minted === undefined || trackingId === undefined) throw new Error('token batch too short');
    return {
      token: minted.token,
      row: {
        id: randomUUID(),
        org_id: orgId,
        resource_id: input.resourceId,
        role: input.role,
        email: input.email,
        first_name: input.firstName,
        last_name: input.lastName,
        person_id: input.personId,
        user_id: input.userId,
        inviter_type: input.inviter.type,
        inviter_id: input.inviter.id,
        inviter_name: input.inviter.name,
        message: input.message,
        metadata: JSON.stringify(input.metadata),
        status: 'pending',
        token_hash: minted.hash,
        tracking_id: trackingId,
        expires_at: input.expiresAt,
        created_at: step.now,
        updated_at: step.now,
        token_issued_at: step.now,
        app_id: input.appId,
        return_to: input.returnTo,
      },
    };
  });
  const events = planned.map(({ row }) => {
    const event: NewEvent = {
      type: 'invitation.created',
      orgId,
      actor: step.actor,
      invitationId: row.id,
      personId: row.person_id,
      userId: row.user_id,
      data: createdData(row),
      occurredAt: step.now,
    };
    return { id: randomUUID(), event };
  });
  const written = await insertNewInvitations(step.db, {
    invitations: planned.map(({ row }) => row),
    events: events.map(({ id, event }) => ({ id, ...eventValues(event) })),
    emails: tokenEmailRows(
      step.config,
      planned.map(({ row, token }) => ({ row, token, kind: 'invitation', context: contextFor(row) })),
      step.now,
    ),
    webhooks:
      options.webhooks.length === 0
        ? []
        : events.flatMap(({ id, event }) =>
            webhookDeliveryRows(
              {
                id,
                type: event.type,
                org_id: orgId,
                invitation_id: event.invitationId ?? null,
                user_id: event.userId ?? null,
                person_id: event.personId ?? null,
                actor_type: event.actor.type,
                actor_id: event.actor.id,
                data: event.data ?? {},
                occurred_at: event.occurredAt,
              },
              options.webhooks,
            ),
          ),
    quota: { orgId, ...options.quota },
  });
  if (!written.ok) return null;
  const inserted = written.rows;
  // Rows that lost a race to a concurrent create of their scope were not written: their share
  // of the quota goes back.
  await releaseQuota(step.db, { orgId, windowStart: options.quota.windowStart }, inputs.length - inserted.length);

  const byScope = new Map(inserted.map((row) => [scopeKey(row.email, row.resource_id), { row, created: true }]));
  const lost = inputs.filter((input) => !byScope.has(scopeKey(input.email, input.resourceId)));
  for (const row of await findLiveByScopes(step.db, orgId, lost)) {
    byScope.set(scopeKey(row.email, row.resource_id), { row, created: false });
  }
  return inputs.map((input) => {
    const result = byScope.get(scopeKey(input.email, input.resourceId));
    // The live row that beat us went final between our insert and our look: a rare race.
    if (result === undefined) throw new AppError('CONFLICT');
    return result;
  });
}

// ---------------------------------------------------------------------------------------------
// edit and correct

export interface EditChanges {
  role?: string;
  resourceId?: string | null;
  message?: string | null;
  expiresAt?: Date;
  appId?: string | null;
  returnTo?: string | null;
}

type Change = { from: string | null; to: string | null };

function diff(row: InvitationRow, changes: EditChanges): Record<string, Change> {
  const found: Record<string, Change> = {};
  if (changes.role !== undefined && changes.role !== row.role) found.role = { from: row.role, to: changes.role };
  if (changes.resourceId !== undefined && changes.resourceId !== row.resource_id) {
    found.resourceId = { from: row.resource_id, to: changes.resourceId };
  }
  if (changes.message !== undefined && changes.message !== row.message) found.message = { from: row.message, to: changes.message };
  if (changes.expiresAt !== undefined && changes.expiresAt.getTime() !== row.expires_at.getTime()) {
    found.expiresAt = { from: row.expires_at.toISOString(), to: changes.expiresAt.toISOString() };
  }
  if (changes.appId !== undefined && changes.appId !== row.app_id) found.appId = { from: row.app_id, to: changes.appId };
  if (changes.returnTo !== undefined && changes.returnTo !== row.return_to) found.returnTo = { from: row.return_to, to: changes.returnTo };
  return found;
}

function columnsOf(changes: Record<string, Change>) {
  return {
    ...(changes.role === undefined ? {} : { role: changes.role.to ?? '' }),
    ...(changes.resourceId === undefined ? {} : { resource_id: changes.resourceId.to }),
    ...(changes.message === undefined ? {} : { message: changes.message.to }),
    ...(changes.expiresAt?.to == null ? {} : { expires_at: new Date(changes.expiresAt.to) }),
    ...(changes.appId === undefined ? {} : { app_id: changes.appId.to }),
    ...(changes.returnTo === undefined ? {} : { return_to: changes.returnTo.to }),
  };
}

/** Edit in place (docs/rules.md R6): role, resource, message, expiry, landing (R60); the token and its emails stay. */
export async function edit(step: Step, row: InvitationRow, changes: EditChanges): Promise<InvitationRow> {
  if (!isEditable(row.status)) throw new AppError('INVITATION_NOT_PENDING');
  const changed = diff(row, changes);
  if (Object.keys(changed).length === 0) return row;
  const updated = await updateInvitation(step.trx, row.id, { ...columnsOf(changed), updated_at: step.now });
  await record(step, updated, 'invitation.updated', { changes: changed, tokenRotated: false });
  return updated;
}

/**
 * Email correction (docs/rules.md R7): the address was wrong, so the old token and everything
 * tracked about the old address go; a new token is sent to the new address and the expiry
 * restarts (unless the same change sets it). A `failed` invitation is revived this way. It
 * sends a new link, so it waits out the same cooldown as a resend.
 */
export async function correct(
  step: Step,
  row: InvitationRow,
  email: string,
  changes: EditChanges & { expiresAt: Date },
  contextAfter: EmailContext,
): Promise<InvitationRow> {
  if (!isEditable(row.status)) throw new AppError('INVITATION_NOT_PENDING');
  assertCorrectionCooldown(row, step.now);
  const changed = { ...diff(row, changes), email: { from: row.email, to: email } };
  const { token, hash } = mintToken();
  await cancelQueuedInvitationEmails(step.trx, [row.id]);
  const updated = await updateInvitation(step.trx, row.id, {
    ...columnsOf(changed),
    email,
    status: 'pending',
    token_hash: hash,
    token_issued_at: step.now,
    tracking_id: newTrackingId(),
    sent_at: null,
    last_sent_at: null,
    opened_at: null,
    last_opened_at: null,
    clicked_at: null,
    failed_at: null,
    reminded_at: null,
    updated_at: step.now,
  });
  await record(step, updated, 'invitation.updated', { changes: changed, tokenRotated: true, from: row.status });
  await queueTokenEmails(step.trx, step.config, [{ row: updated, token, kind: 'invitation', context: contextAfter }], step.now);
  return updated;
}

// ---------------------------------------------------------------------------------------------
// resend, revoke, expire, remind

/**
 * A new link goes out at most once a minute per invitation, whichever way (resend or email
 * correction): 429 RESEND_TOO_SOON with Retry-After otherwise.
 */
export function assertCooldown(row: Pick<InvitationRow, 'token_issued_at'>, now: Date): void {
  const wait = row.token_issued_at.getTime() + RESEND_COOLDOWN_MS - now.getTime();
  if (wait > 0) throw new AppError('RESEND_TOO_SOON', { headers: { 'retry-after': String(Math.ceil(wait / 1000)) } });
}

/**
 * The cooldown of an email correction. The first correction of the link minted at creation goes
 * out at once (an inviter fixing a typo right after sending); any later one waits like a resend,
 * so corrections cannot be bounced between addresses to flood one of them.
 */
export function assertCorrectionCooldown(row: Pick<InvitationRow, 'token_issued_at' | 'created_at'>, now: Date): void {
  if (row.token_issued_at.getTime() === row.created_at.getTime()) return;
  assertCooldown(row, now);
}

/**
 * Resend (docs/rules.md R4): a new token, the expiry restarted at the org's lifetime, the count up
 * by one, at most once a minute. Revives `expired` and `failed`. The invitation goes back to
 * `pending` until the mail server takes the new email (the dispatcher then marks it `sent`).
 */
export async function resend(step: Step, row: InvitationRow, context: EmailContext): Promise<InvitationRow> {
  if (!isResendable(row.status)) throw new AppError('INVITATION_NOT_PENDING', { extra: { state: { status: row.status } } });
  assertCooldown(row, step.now);
  const { token, hash } = mintToken();
  await cancelQueuedInvitationEmails(step.trx, [row.id]);
  const updated = await updateInvitation(step.trx, row.id, {
    status: 'pending',
    token_hash: hash,
    token_issued_at: step.now,
    expires_at: new Date(step.now.getTime() + context.org.invitation_ttl_days * DAY),
    resend_count: row.resend_count + 1,
    // The new link has not gone out yet (the dispatcher sets it); `sent_at` keeps the first send.
    last_sent_at: null,
    expired_at: null,
    failed_at: null,
    reminded_at: null,
    updated_at: step.now,
  });
  await record(step, updated, 'invitation.resent', {
    from: row.status,
    expiresAt: updated.expires_at.toISOString(),
    resendCount: updated.resend_count,
  });
  await queueTokenEmails(step.trx, step.config, [{ row: updated, token, kind: 'resend', context }], step.now);
  return updated;
}

/** Revoke: from any non-final state. The link stops working at once; unsent emails are dropped. */
export async function revoke(step: Step, row: InvitationRow): Promise<InvitationRow> {
  if (!isResendable(row.status)) throw new AppError('INVITATION_NOT_PENDING', { extra: { state: { status: row.status } } });
  await cancelQueuedInvitationEmails(step.trx, [row.id]);
  const updated = await updateInvitation(step.trx, row.id, { status: 'revoked', revoked_at: step.now, updated_at: step.now });
  await record(step, updated, 'invitation.revoked', { from: row.status });
  return updated;
}

/** Expire a live invitation whose time is up (the sweep, or a consuming path on the spot). */
export async function expire(step: Step, row: InvitationRow): Promise<InvitationRow> {
  if (!isDue(row, step.now)) return row;
  await cancelQueuedInvitationEmails(step.trx, [row.id]);
  const updated = await updateInvitation(step.trx, row.id, { status: 'expired', expired_at: step.now, updated_at: step.now });
  await record(step, updated, 'invitation.expired', { from: row.status, expiresAt: row.expires_at.toISOString() });
  return updated;
}

/**
 * Remind: releases the reminder parked when the token was minted, refreshed with the
 * invitation as it is now (an edit may have changed role, message or expiry) but with the same
 * link. Once per token; nothing happens when there is no parked reminder.
 */
export async function remind(step: Step, row: InvitationRow, context: EmailContext): Promise<InvitationRow> {
  const due = reminderDueAt(row, context.org.reminder_days_before_expiry);
  if (!isLive(row.status) || row.reminded_at !== null || due === null || due > step.now || isDue(row, step.now)) return row;
  const parked = await findParkedReminder(step.trx, row.id);
  if (parked === undefined) return row;
  const data = invitationEmailData(step.config, row, context, parked.link, 'reminder');
  await releaseParkedReminder(
    step.trx,
    parked.id,
    { to: row.email, template: 'invitation', data, ...orgSender(context.org) },
    step.now,
  );
  const updated = await updateInvitation(step.trx, row.id, { reminded_at: step.now, updated_at: step.now });
  await record(step, updated, 'invitation.reminded', {});
  return updated;
}

// ---------------------------------------------------------------------------------------------
// the invitee's side

/** The invitation page rendered and asked for the invitation (docs/rules.md R16): first click only. */
export async function click(step: Step, row: InvitationRow): Promise<InvitationRow> {
  if (!isClickable(row.status)) return row;
  const updated = await updateInvitation(step.trx, row.id, {
    status: 'clicked',
    clicked_at: row.clicked_at ?? step.now,
    updated_at: step.now,
  });
  await record(step, updated, 'invitation.clicked', { from: row.status });
  return updated;
}

/** GET/HEAD of the link: no state change, only an `invitation.visited` event (docs/rules.md R16). */
export async function visit(
  step: Pick<Step, 'now' | 'actor'> & { db: Kysely<DB> },
  row: InvitationRow,
  data: { method: string; likelyScanner: boolean },
): Promise<void> {
  await appendEvent(step.db, {
    type: 'invitation.visited',
    orgId: row.org_id,
    actor: step.actor,
    invitationId: row.id,
    personId: row.person_id,
    data,
    occurredAt: step.now,
  });
}

/**
 * Links the org's directory entry for this invitation (the one it names, else the one with its
 * email) to the user; people/ never takes over an entry linked to another user: the grant still
 * happens, and the accept's event records the link it skipped (`personNotLinked`).
 */
async function linkPerson(step: Step, row: InvitationRow, userId: string): Promise<{ personId: string | null; skipped: string | null }> {
  const person = row.person_id === null ? { email: row.email } : { id: row.person_id };
  return linkDirectoryEntry(step.trx, { orgId: row.org_id, person, userId, actor: step.actor, now: step.now, invitationId: row.id });
}

/**
 * Accept (docs/rules.md R10, R14, R15): the grant, the person link and the accepted invitation in the
 * caller's transaction. The caller has refused dead states; the email must be the invited one.
 */
export async function accept(
  step: Step,
  row: InvitationRow,
  user: Pick<UserRow, 'id' | 'email'>,
): Promise<{ row: InvitationRow; grant: Awaited<ReturnType<typeof insertGrantIfAbsent>>['grant'] }> {
  if (!isLive(row.status)) throw new AppError('INVITATION_NOT_PENDING');
  if (user.email !== row.email) throw new AppError('EMAIL_MISMATCH');
  const { grant, created } = await insertGrantIfAbsent(
    step.trx,
    { orgId: row.org_id, userId: user.id, resourceId: row.resource_id, role: row.role },
    step.now,
  );
  if (created) {
    await appendEvent(step.trx, {
      type: 'membership.granted',
      orgId: row.org_id,
      actor: step.actor,
      invitationId: row.id,
      userId: user.id,
      data: { grantId: grant.id, resourceId: grant.resource_id, role: grant.role },
      occurredAt: step.now,
    });
  }
  const link = await linkPerson(step, row, user.id);
  await cancelQueuedInvitationEmails(step.trx, [row.id]);
  const updated = await updateInvitation(step.trx, row.id, {
    status: 'accepted',
    accepted_at: step.now,
    user_id: user.id,
    updated_at: step.now,
  });
  await record(step, updated, 'invitation.accepted', {
    from: row.status,
    userId: user.id,
    grantId: grant.id,
    grantCreated: created,
    ...(link.skipped === null ? {} : { personNotLinked: { personId: link.skipped, reason: 'linked_to_another_user' } }),
  });
  return { row: updated, grant };
}

export async function decline(step: Step, row: InvitationRow): Promise<InvitationRow> {
  if (!isLive(row.status)) throw new AppError('INVITATION_NOT_PENDING');
  await cancelQueuedInvitationEmails(step.trx, [row.id]);
  const updated = await updateInvitation(step.trx, row.id, { status: 'declined', declined_at: step.now, updated_at: step.now });
  await record(step, updated, 'invitation.declined', { from: row.status });
  return updated;
}

/** How long a renewal request silences further ones for the same invitation. */
export const RENEWAL_REQUEST_QUIET_MS = DAY;

/**
 * An expired link asks for a fresh one: when the org allows and the inviter could still grant
 * the invitation's role there (`inviterMayGrant`: a fresh link re-offers that grant on the
 * inviter's word), the resend path sends it at once; otherwise the inviter (when an active
 * user) gets a `renewal_request` email, at most once a day.
 */
export async function requestRenewal(
  step: Step,
  row: InvitationRow,
  context: EmailContext,
  inviterMayGrant: boolean,
): Promise<InvitationRow> {
  if (row.status !== 'expired') throw new AppError('INVITATION_NOT_EXPIRED', { extra: { state: { status: row.status } } });
  if (context.org.auto_renew && inviterMayGrant) return resend(step, row, context);
  const since = new Date(step.now.getTime() - RENEWAL_REQUEST_QUIET_MS);
  if (await hasEventSince(step.trx, row.id, 'invitation.renewal_requested', since)) return row;
  const inviter =
    row.inviter_type === 'user' && row.inviter_id !== null
      ? await findUserById(step.trx, row.inviter_id)
      : undefined;
  const notify = inviter?.status === 'active';
  if (notify) {
    await enqueueEmail(
      step.trx,
      {
        template: 'renewal_request',
        to: inviter.email,
        orgId: row.org_id,
        invitationId: row.id,
        ...orgSender(context.org),
        data: {
          orgName: context.org.name,
          inviteeEmail: row.email,
          inviterName: row.inviter_name,
          consoleLink: consoleLink(step.config, { orgId: row.org_id, personId: row.person_id, email: row.email }),
        },
      },
      step.now,
    );
  }
  await record(step, row, 'invitation.renewal_requested', {
    inviterNotified: notify,
    ...(context.org.auto_renew ? { autoRenewRefused: 'inviter_cannot_grant' } : {}),
  });
  return row;
}

/** Delete (the inviter's clean-up): the row goes, its events stay (docs/rules.md R38). */
export async function remove(step: Step, row: InvitationRow): Promise<void> {
  await cancelQueuedInvitationEmails(step.trx, [row.id]);
  await deleteInvitation(step.trx, row.id);
  await record(step, row, 'invitation.deleted', { email: row.email, status: row.status });
}
