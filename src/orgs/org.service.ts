/**
 * Orgs and resources. Creating an org makes the caller its owner in the same transaction, with
 * its `membership.granted` event. Who may create orgs: instance admins, and any signed-in
 * (hence verified) user when ALLOW_SIGNUP=true.
 *
 * Trust: an org created by an instance admin is operator-created and trusted from the start.
 * One created by anyone else (a self-service account, possible only with ALLOW_SIGNUP=true) is
 * not, until an instance admin trusts it (PUT /api/v1/admin/orgs/:orgId/trust or `gatehouse org trust`).
 * Until then its own name and sender name stay out of the subject and From of the emails it
 * sends, and its hourly invitation quota stays at or below SELF_SERVICE_QUOTA_MAX. Every org's
 * quota stays at or below INVITATION_QUOTA_MAX.
 */
import { createHash } from 'node:crypto';
import type { Transaction, Updateable } from 'kysely';
import type { UserActor } from '../auth/actor.js';
import { eventActor, type Actor } from '../auth/actor.js';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { DB, OrgRow, OrgsTable, ResourceRow } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent } from '../events/event.repository.js';
import { parseEmail } from '../auth/email.js';
import { insertGrantIfAbsent, listResourceGrants } from './grant.repository.js';
import * as repo from './org.repository.js';

/** The default hourly quota of a new org, before any ceiling. */
const DEFAULT_INVITATIONS_PER_HOUR = 1000;

/** The highest hourly invitation quota this org may have: the operator's ceiling for its trust. */
export function invitationQuotaCeiling(config: Pick<Config, 'invitationQuotaMax' | 'selfServiceQuotaMax'>, org: Pick<OrgRow, 'trusted'>): number {
  return org.trusted ? config.invitationQuotaMax : Math.min(config.selfServiceQuotaMax, config.invitationQuotaMax);
}

/**
 * The quota an invitation create counts against: the org's own setting, never above its
 * ceiling (which an operator may have lowered, or an org lost its trust, since it was set).
 */
export function invitationQuota(config: Pick<Config, 'invitationQuotaMax' | 'selfServiceQuotaMax'>, org: Pick<OrgRow, 'trusted' | 'invitations_per_hour'>): number {
  return Math.min(org.invitations_per_hour, invitationQuotaCeiling(config, org));
}

export async function createOrg(ctx: AppContext, actor: UserActor, input: { name: string }): Promise<OrgRow> {
  if (!actor.isInstanceAdmin && !ctx.config.allowSignup) throw new AppError('ORG_CREATE_FORBIDDEN');
  const now = ctx.clock.now();
  const trusted = actor.isInstanceAdmin;
  const quota = Math.min(DEFAULT_INVITATIONS_PER_HOUR, invitationQuotaCeiling(ctx.config, { trusted }));
  return ctx.db.transaction().execute(async (trx) => {
    const org = await repo.insertOrg(trx, { name: input.name.trim(), trusted, invitationsPerHour: quota }, now);
    await insertGrantIfAbsent(trx, { orgId: org.id, userId: actor.userId, resourceId: null, role: 'owner' }, now);
    await appendEvent(trx, {
      type: 'membership.granted',
      orgId: org.id,
      actor: eventActor(actor),
      userId: actor.userId,
      data: { role: 'owner', resourceId: null },
      occurredAt: now,
    });
    return org;
  });
}

export async function getOrg(ctx: AppContext, orgId: string): Promise<OrgRow> {
  const org = await repo.findOrg(ctx.db, orgId);
  if (org === undefined) throw new AppError('ORG_NOT_FOUND');
  return org;
}

/** Orgs the caller belongs to: a user's orgs with any grant; an API key's (or a widget's) own org. */
export async function listOrgs(ctx: AppContext, actor: Actor): Promise<OrgRow[]> {
  if (actor.type === 'api_key' || actor.type === 'widget') {
    const org = await repo.findOrg(ctx.db, actor.orgId);
    return org === undefined ? [] : [org];
  }
  return repo.listUserOrgs(ctx.db, actor.userId);
}

export interface OrgSettingsInput {
  invitationTtlDays?: number;
  openTracking?: boolean;
  reminderDaysBeforeExpiry?: number;
  senderName?: string | null;
  replyTo?: string | null;
  invitationsPerHour?: number;
  autoRenew?: boolean;
  defaultAppId?: string | null;
  defaultReturnTo?: string | null;
  logoUrl?: string | null;
  brandColor?: string | null;
  termsUrl?: string | null;
}

/**
 * Checks the org's default landing (an app of the org and an address it vouches for, docs/rules.md
 * R61): the apps layer, above this one, supplies it through buildApp. Throws a coded error.
 */
export type DefaultLandingCheck = (
  trx: Transaction<DB>,
  orgId: string,
  landing: { appId: string | null; returnTo: string | null },
) => Promise<void>;

/** The default landing after this change: a new app resets the address unless the change sets it. */
function defaultLanding(current: Pick<OrgRow, 'default_app_id' | 'default_return_to'>, s: OrgSettingsInput) {
  const appId = s.defaultAppId === undefined ? current.default_app_id : s.defaultAppId;
  const kept = appId === current.default_app_id ? current.default_return_to : null;
  return { appId, returnTo: s.defaultReturnTo === undefined ? kept : s.defaultReturnTo };
}

/**
 * An https URL an org shows (its logo, its terms): parsed, no credentials in it, at most 2,000
 * characters (docs/rules.md R70, R72). Anything else is 400 VALIDATION_FAILED naming the field.
 */
export function parseHttpsUrl(value: string, path: string): string {
  const fail = (message: string) => new AppError('VALIDATION_FAILED', { details: [{ path, message }] });
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    throw fail('must be an https URL');
  }
  if (parsed.protocol !== 'https:') throw fail('must be an https URL');
  if (parsed.username !== '' || parsed.password !== '') throw fail('must not carry a user name or password');
  const href = parsed.href;
  if (href.length > 2000) throw fail('must be at most 2000 characters');
  return href;
}

export async function updateOrg(
  ctx: AppContext,
  orgId: string,
  input: { name?: string; settings?: OrgSettingsInput },
  checkDefaultLanding?: DefaultLandingCheck,
): Promise<OrgRow> {
  const s = input.settings ?? {};
  const changes: Updateable<OrgsTable> = { updated_at: ctx.clock.now() };
  if (input.name !== undefined) changes.name = input.name.trim();
  if (s.invitationTtlDays !== undefined) changes.invitation_ttl_days = s.invitationTtlDays;
  if (s.openTracking !== undefined) changes.open_tracking = s.openTracking;
  if (s.reminderDaysBeforeExpiry !== undefined) changes.reminder_days_before_expiry = s.reminderDaysBeforeExpiry;
  if (s.senderName !== undefined) changes.sender_name = s.senderName === null ? null : s.senderName.trim() || null;
  if (s.replyTo !== undefined) changes.reply_to = s.replyTo === null ? null : parseEmail(s.replyTo, 'settings.replyTo');
  if (s.invitationsPerHour !== undefined) changes.invitations_per_hour = s.invitationsPerHour;
  if (s.autoRenew !== undefined) changes.auto_renew = s.autoRenew;
  if (s.logoUrl !== undefined) {
    changes.logo_url = s.logoUrl === null ? null : parseHttpsUrl(s.logoUrl, 'settings.logoUrl');
    // One logo at a time: a URL replaces an uploaded image (and clearing it clears both).
    changes.logo_digest = null;
  }
  // Stored lower case; its text colour is chosen when shown (docs/rules.md R71).
  if (s.brandColor !== undefined) changes.brand_color = s.brandColor === null ? null : s.brandColor.toLowerCase();
  if (s.termsUrl !== undefined) changes.terms_url = s.termsUrl === null ? null : parseHttpsUrl(s.termsUrl, 'settings.termsUrl');
  return ctx.db.transaction().execute(async (trx) => {
    const current = await repo.findOrg(trx, orgId);
    if (current === undefined) throw new AppError('ORG_NOT_FOUND');
    const ceiling = invitationQuotaCeiling(ctx.config, current);
    if (s.invitationsPerHour !== undefined && s.invitationsPerHour > ceiling) {
      throw new AppError('INVITATION_QUOTA_ABOVE_MAX', {
        details: [{ path: 'settings.invitationsPerHour', message: `must be at most ${String(ceiling)} for this organization` }],
      });
    }
    const ttl = changes.invitation_ttl_days ?? current.invitation_ttl_days;
    const reminder = changes.reminder_days_before_expiry ?? current.reminder_days_before_expiry;
    // A reminder must come before the invitation expires, so it is shorter than the lifetime.
    if (reminder !== 0 && typeof ttl === 'number' && typeof reminder === 'number' && reminder >= ttl) {
      throw new AppError('VALIDATION_FAILED', {
        details: [{ path: 'settings.reminderDaysBeforeExpiry', message: 'must be fewer days than the invitation lifetime' }],
      });
    }
    if (s.defaultAppId !== undefined || s.defaultReturnTo !== undefined) {
      const landing = defaultLanding(current, s);
      if (checkDefaultLanding === undefined) throw new Error('no check for the default landing was wired');
      await checkDefaultLanding(trx, orgId, landing);
      changes.default_app_id = landing.appId;
      changes.default_return_to = landing.returnTo;
    }
    const updated = await repo.updateOrg(trx, orgId, changes);
    if (updated === undefined) throw new AppError('ORG_NOT_FOUND');
    if (s.logoUrl !== undefined) await repo.deleteOrgLogo(trx, orgId);
    return updated;
  });
}

/** The largest logo image an org may upload (docs/rules.md R70). */
export const LOGO_MAX_BYTES = 100 * 1024;

/**
 * What an upload is, from its first bytes (never from what the client says): PNG or JPEG.
 * SVG is refused rather than sanitised: it can carry script and external references, and a
 * raster logo is what every mail client shows.
 */
function sniffImage(bytes: Uint8Array): 'image/png' | 'image/jpeg' | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= png.length && png.every((byte, i) => bytes[i] === byte)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** Stores an uploaded logo (base64 of a PNG or JPEG, at most LOGO_MAX_BYTES); it replaces any logo URL. */
export async function uploadOrgLogo(ctx: AppContext, orgId: string, base64: string): Promise<OrgRow> {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length > LOGO_MAX_BYTES) {
    throw new AppError('LOGO_TOO_LARGE', { details: [{ path: 'data', message: `is ${String(bytes.length)} bytes; at most ${String(LOGO_MAX_BYTES)}` }] });
  }
  const contentType = sniffImage(bytes);
  if (contentType === null) throw new AppError('LOGO_TYPE_UNSUPPORTED', { details: [{ path: 'data', message: 'is not a PNG or JPEG image' }] });
  const digest = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await repo.updateOrg(trx, orgId, { logo_url: null, logo_digest: digest, updated_at: now });
    if (updated === undefined) throw new AppError('ORG_NOT_FOUND');
    await repo.upsertOrgLogo(trx, orgId, { contentType, bytes, digest }, now);
    return updated;
  });
}

export async function removeOrgLogo(ctx: AppContext, orgId: string): Promise<OrgRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await repo.updateOrg(trx, orgId, { logo_url: null, logo_digest: null, updated_at: ctx.clock.now() });
    if (updated === undefined) throw new AppError('ORG_NOT_FOUND');
    await repo.deleteOrgLogo(trx, orgId);
    return updated;
  });
}

export async function getOrgLogo(ctx: AppContext, orgId: string) {
  const logo = await repo.findOrgLogo(ctx.db, orgId);
  if (logo === undefined) throw new AppError('LOGO_NOT_FOUND');
  return logo;
}

/**
 * An instance admin vouches for an org (or withdraws it). Withdrawing also brings the org's
 * quota down to the self-service ceiling, so its settings never show more than it may send.
 */
export async function setOrgTrust(db: AppContext['db'], config: Pick<Config, 'invitationQuotaMax' | 'selfServiceQuotaMax'>, orgId: string, trusted: boolean, now: Date): Promise<OrgRow> {
  return db.transaction().execute(async (trx) => {
    const current = await repo.findOrg(trx, orgId);
    if (current === undefined) throw new AppError('ORG_NOT_FOUND');
    const quota = invitationQuota(config, { ...current, trusted });
    const updated = await repo.updateOrg(trx, orgId, { trusted, invitations_per_hour: quota, updated_at: now });
    if (updated === undefined) throw new AppError('ORG_NOT_FOUND');
    return updated;
  });
}

export async function getResource(ctx: AppContext, orgId: string, resourceId: string): Promise<ResourceRow> {
  const resource = await repo.findResource(ctx.db, orgId, resourceId);
  if (resource === undefined) throw new AppError('RESOURCE_NOT_FOUND');
  return resource;
}

export async function createResource(ctx: AppContext, orgId: string, input: { kind: string; name: string }): Promise<ResourceRow> {
  return repo.insertResource(ctx.db, orgId, { kind: input.kind.trim(), name: input.name.trim() }, ctx.clock.now());
}

export async function updateResource(
  ctx: AppContext,
  orgId: string,
  resourceId: string,
  input: { kind?: string; name?: string },
): Promise<ResourceRow> {
  const resource = await repo.updateResource(ctx.db, orgId, resourceId, {
    ...(input.kind === undefined ? {} : { kind: input.kind.trim() }),
    ...(input.name === undefined ? {} : { name: input.name.trim() }),
    updated_at: ctx.clock.now(),
  });
  if (resource === undefined) throw new AppError('RESOURCE_NOT_FOUND');
  return resource;
}

/**
 * Deletes a resource. Its grants go with it (foreign key cascade); each one writes its
 * `membership.removed` event in the same transaction so the audit trail shows who lost access.
 * People at the resource keep their entry with no resource.
 */
export async function deleteResource(ctx: AppContext, actor: Actor, orgId: string, resourceId: string): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const resource = await repo.findResource(trx, orgId, resourceId);
    if (resource === undefined) throw new AppError('RESOURCE_NOT_FOUND');
    const grants = await listResourceGrants(trx, orgId, resourceId);
    for (const grant of grants) {
      await appendEvent(trx, {
        type: 'membership.removed',
        orgId,
        actor: eventActor(actor),
        userId: grant.user_id,
        data: { role: grant.role, resourceId, reason: 'resource_deleted' },
        occurredAt: now,
      });
      await ctx.accessHooks.removed(trx, { userId: grant.user_id, orgIds: [orgId], reason: 'resource_deleted', actor: eventActor(actor) }, now);
    }
    await repo.deleteResource(trx, orgId, resourceId);
  });
}

export async function listResources(
  ctx: AppContext,
  orgId: string,
  page: { limit: number; after: readonly [string, string] | null; kind?: string | undefined },
): Promise<ResourceRow[]> {
  return repo.listResources(ctx.db, orgId, page);
}

/** The org's resources among `ids`, by name (a location-only member's own). */
export async function listResourcesByIds(ctx: AppContext, orgId: string, ids: readonly string[]): Promise<ResourceRow[]> {
  return repo.listResourcesByIds(ctx.db, orgId, ids);
}
