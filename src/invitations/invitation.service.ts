/**
 * The inviter's side of invitations: create (one or a bulk batch), list, get, edit/correct,
 * resend, revoke, delete. Each service opens its transaction, authorizes inside it, and calls
 * the lifecycle transition with the row locked.
 *
 * A create has no row to lock: it reads without a transaction and writes in one statement
 * (invitation.lifecycle.ts `create`).
 *
 * Authorization (docs/rules.md R20, R23): everything goes through authorize()/assertGrantable() at the
 * scope of the invitation (its resource when it has one), on the actor's grants in the org that the
 * route's pre-handler read once per request. Someone without standing in the org
 * gets 404 ORG_NOT_FOUND; an id of another org's invitation is 404 INVITATION_NOT_FOUND.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { eventActor } from '../auth/actor.js';
import { canonicalEmail, parseEmail } from '../auth/email.js';
import { createInvitedUsers, findUserByEmail, findUsersByEmails } from '../auth/user.repository.js';
import { builtInRole } from '../auth/permissions.js';
import { assertGrantableIn, authorizeIn, canIn, checkGrantable, checkPermission, type OrgGrants, requireStanding, standingIn } from '../auth/policy.js';
import { holds } from '../auth/permissions.js';
import { DAY, HOUR } from '../clock.js';
import type { AppContext } from '../context.js';
import type { DB, EventRow, InvitationRow, JsonObject, OrgRow } from '../db/schema.js';
import { cursorKey, cursorShape } from '../db/keyset.js';
import { hasAccessAt } from '../orgs/grant.repository.js';
import { assertLanding, checkLanding, findApps, type Landing } from '../apps/app.landing.js';
import { findOrg, findResource } from '../orgs/org.repository.js';
import { invitationQuota } from '../orgs/org.service.js';
import { findPersonIn } from '../people/person.service.js';
import { AppError } from '../errors.js';
import { appendEvents, listInvitationEvents, SYSTEM_ACTOR } from '../events/event.repository.js';
import { decodeSortedCursor, pageOf } from '../http/cursor.js';
import { invitationSort, listInvitationRows } from './invitation-list.repository.js';
import type { PresentedInvitationRow } from './invitation.presenter.js';
import { jsonInputProblem } from '../http/json-input.js';
import * as lifecycle from './invitation.lifecycle.js';
import { type EmailedInvitation, invitationPreviewEmail } from './invitation.email.js';
import { renderEmail } from '../mail/templates/index.js';
import { mailboxText, senderOf } from '../mail/transport.js';
import {
  type CreateContext,
  type EmailContext,
  findCustomRoles,
  findInvitation,
  findLiveByScopes,
  findResourceNames,
  loadCreateContext,
  loadEmailContext,
  lockInvitation,
  lockInvitations,
  quotaUsed,
  scopeKey,
  takeQuota,
} from './invitation.repository.js';
import { asOf, isDue, isEditable } from '../common/invitation-states.js';
import { type CreateInvitationBody, METADATA_MAX_BYTES, METADATA_MAX_DEPTH, type ListInvitationsQuery, type PatchInvitationBody } from './invitation.schema.js';

type Tx = Transaction<DB>;

export const EXPIRY_MIN_MS = DAY;
export const EXPIRY_MAX_MS = 90 * DAY;
/** A client's "now + 1 day" arrives a moment after it was computed. */
const EXPIRY_SLACK_MS = 60_000;

function step(ctx: AppContext, trx: Tx, actor: Actor): lifecycle.Step {
  return { trx, config: ctx.config, now: ctx.clock.now(), actor: eventActor(actor) };
}

/** Who the invitation names as its inviter: a widget's user invites (docs/rules.md R84). */
function inviterOf(actor: Actor): lifecycle.CreateInput['inviter'] {
  return actor.type === 'api_key' ? { type: 'api_key', id: actor.keyId, name: actor.name } : { type: 'user', id: actor.userId, name: actor.name };
}

/** expiresAt within the bounds (1–90 days from now); the org's default lifetime when absent. */
export function parseExpiry(raw: string | undefined, org: Pick<OrgRow, 'invitation_ttl_days'>, now: Date): Date {
  if (raw === undefined) return new Date(now.getTime() + org.invitation_ttl_days * DAY);
  const at = new Date(raw);
  const ahead = at.getTime() - now.getTime();
  if (Number.isNaN(ahead) || ahead < EXPIRY_MIN_MS - EXPIRY_SLACK_MS || ahead > EXPIRY_MAX_MS) {
    throw new AppError('EXPIRY_OUT_OF_RANGE', {
      details: [{ path: 'expiresAt', message: 'must be between 1 and 90 days from now' }],
    });
  }
  return at;
}

function parseMetadata(metadata: Record<string, unknown> | undefined): JsonObject {
  if (metadata === undefined) return {};
  const problem = jsonInputProblem(metadata, METADATA_MAX_DEPTH, 'metadata');
  if (problem !== null) throw new AppError('VALIDATION_FAILED', { details: [problem] });
  const text = JSON.stringify(metadata);
  if (Buffer.byteLength(text, 'utf8') > METADATA_MAX_BYTES) {
    throw new AppError('METADATA_TOO_LARGE', { details: [{ path: 'metadata', message: 'must be at most 4 KB of JSON' }] });
  }
  return JSON.parse(text) as JsonObject;
}

function retryAfter(now: Date): Record<string, string> {
  const windowEnd = Math.floor(now.getTime() / HOUR) * HOUR + HOUR;
  return { 'retry-after': String(Math.ceil((windowEnd - now.getTime()) / 1000)) };
}

// ---------------------------------------------------------------------------------------------
// create

export type CreateOutcome = { ok: true; row: InvitationRow; created: boolean } | { ok: false; error: AppError };

interface Candidate {
  index: number;
  input: lifecycle.CreateInput;
  createUser: boolean;
}

/**
 * The create's authorization, item by item, from what the request read once: the actor's
 * grants in the org and the custom roles the batch names. May the actor invite at this scope,
 * and hand this role on there? (docs/rules.md R20.)
 */
function createPolicy(grants: OrgGrants, actor: Actor, orgId: string, customRoles: ReadonlyMap<string, CustomRole>) {
  return (role: string, resourceId: string | null): AppError | null => {
    const found = standingIn(grants, actor, { orgId, resourceId });
    try {
      checkPermission(found, 'invitations:manage');
      checkGrantable(found, role, builtInRole(role)?.permissions ?? customRoles.get(role)?.permissions ?? null);
      return null;
    } catch (error) {
      if (error instanceof AppError && error.code !== 'ORG_NOT_FOUND') return error;
      throw error;
    }
  };
}

/**
 * May the actor name this directory entry on an invitation? Only where they may invite: an
 * org-wide entry needs the permission org-wide, a resource's entry the permission there (a
 * resource's admin names only their resource's people).
 */
function mayNamePerson(grants: OrgGrants, actor: Actor, orgId: string, person: { resource_id: string | null }): boolean {
  return canIn(grants, actor, 'invitations:manage', { orgId, resourceId: person.resource_id });
}

/** Thrown inside a create's transaction to roll it back when the quota refuses the write. */
class QuotaRefused extends Error {}

/** What checkCreate read and decided: each item's refusal, or its candidate, and what the write needs. */
export interface CheckedCreate {
  now: Date;
  windowStart: Date;
  /** A refusal per item that failed a check (the rest are undefined). */
  outcomes: (CreateOutcome | undefined)[];
  /** One per (email, resource) of the batch, in item order. */
  candidates: Candidate[];
  /** A later item of a scope an earlier item already stands for: its index -> the earlier one's. */
  sameAs: Map<number, number>;
  context: CreateContext;
  resources: Map<string, string>;
  roles: Map<string, CustomRole>;
}

/**
 * Every check a create makes before it writes, item by item (a bad item fails alone), writing
 * nothing: the actor may invite somewhere in the org; then each item's email, expiry, metadata,
 * landing (R60), resource, permission and role at its scope (R20), person, and existing access
 * (R9). The create and its preview (docs/rules.md R90) both go through it.
 */
export async function checkCreate(
  ctx: AppContext,
  actor: Actor,
  grants: OrgGrants,
  items: readonly CreateInvitationBody[],
): Promise<CheckedCreate> {
  const orgId = grants.orgId;
  // Everything up to the write reads without a transaction: under READ COMMITTED one would add
  // nothing (each statement reads its own snapshot, and none of these reads locks), and what
  // must still hold when writing is held by the write itself (the unique index on live scopes).
  const now = ctx.clock.now();
  // The whole request: 404 for someone with no standing in the org, 403 for someone who may
  // invite nowhere in it. Past that, each item is authorized at its own scope, from the same
  // grants (read once per request, by the route's pre-handler).
  assertMayInviteSomewhere(grants, actor, orgId);
  const outcomes: (CreateOutcome | undefined)[] = items.map(() => undefined);
  const fail = (index: number, error: unknown) => {
    if (!(error instanceof AppError)) throw error;
    outcomes[index] = { ok: false, error };
  };

  const emails = new Map<number, string>();
  for (const [index, item] of items.entries()) {
    try {
      emails.set(index, parseEmail(item.email));
    } catch (error) {
      fail(index, error);
    }
  }
  const windowStart = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
  const context = await loadCreateContext(ctx.db, orgId, {
    emails: [...new Set(emails.values())],
    personIds: [...new Set(items.flatMap((item) => (item.personId == null ? [] : [item.personId])))],
    windowStart,
    now,
  });
  if (context === undefined) throw new AppError('ORG_NOT_FOUND');
  const { org, people, accounts } = context;
  const resourceIds = [...new Set(items.flatMap((item) => (item.resourceId == null ? [] : [item.resourceId])))];
  const resources = await findResourceNames(ctx.db, orgId, resourceIds);
  const roles = await customRoles(ctx.db, orgId, items.map((item) => item.role));
  const policy = createPolicy(grants, actor, orgId, roles);
  const landings = items.map((item) => landingOf(item, org));
  const apps = await findApps(ctx.db, orgId, landings.flatMap((l) => (l.appId === null ? [] : [l.appId])));

  // 1. Each item on its own: expiry, metadata, resource, permission and role at its scope,
  //    person, existing access; then one invitation per (email, resource) in the batch.
  const candidates: Candidate[] = [];
  const firstOfScope = new Map<string, number>();
  const sameAs = new Map<number, number>();
  for (const [index, item] of items.entries()) {
    const email = emails.get(index);
    if (email === undefined) continue;
    try {
      const expiresAt = parseExpiry(item.expiresAt, org, now);
      const metadata = parseMetadata(item.metadata);
      const landing = landings[index] ?? { appId: null, returnTo: null };
      assertLanding(landing.appId === null ? null : apps.get(landing.appId), landing);
      const resourceId = item.resourceId ?? null;
      if (resourceId !== null && !resources.has(resourceId)) {
        throw new AppError('RESOURCE_NOT_FOUND', { details: [{ path: 'resourceId', message: 'no such resource in this organization' }] });
      }
      const denied = policy(item.role, resourceId);
      if (denied !== null) throw denied;
      // A person named by id must be one the actor may name; one matched by email is attached
      // only when the actor could have named it.
      const mayName = (p: { resource_id: string | null }) => mayNamePerson(grants, actor, orgId, p);
      const person =
        item.personId == null ? people.find((p) => p.email === email && mayName(p)) : people.find((p) => p.id === item.personId);
      if (item.personId != null && person === undefined) {
        throw new AppError('PERSON_NOT_FOUND', { details: [{ path: 'personId', message: 'no such person in this organization' }] });
      }
      if (person !== undefined && !mayName(person)) {
        throw new AppError('FORBIDDEN', { details: [{ path: 'personId', message: 'not a person you may invite on behalf of' }] });
      }
      // docs/rules.md R9: someone who already has this access (an org-wide grant covers every resource).
      const hasAccess = accounts.some(
        (a) => a.email === email && a.grant_id !== null && (a.resource_id === null || a.resource_id === resourceId),
      );
      if (hasAccess) throw new AppError('ALREADY_MEMBER');
      const key = scopeKey(email, resourceId);
      const first = firstOfScope.get(key);
      if (first !== undefined) {
        sameAs.set(index, first);
        continue;
      }
      firstOfScope.set(key, index);
      candidates.push({
        index,
        createUser: item.createUser === true,
        input: {
          email,
          role: item.role,
          resourceId,
          personId: person?.id ?? null,
          userId: null,
          firstName: item.firstName ?? person?.first_name ?? null,
          lastName: item.lastName ?? person?.last_name ?? null,
          message: item.message ?? null,
          metadata,
          expiresAt,
          inviter: inviterOf(actor),
          appId: landing.appId,
          returnTo: landing.returnTo,
        },
      });
    } catch (error) {
      fail(index, error);
    }
  }

  return { now, windowStart, outcomes, candidates, sameAs, context, resources, roles };
}

/** What an invitation email of a checked create names: the org, the resource's name, the role's name. */
function emailContextFor(checked: Pick<CheckedCreate, 'context' | 'resources' | 'roles'>) {
  return (row: Pick<InvitationRow, 'resource_id' | 'role'>): EmailContext => ({
    org: checked.context.org,
    resourceName: row.resource_id === null ? null : (checked.resources.get(row.resource_id) ?? null),
    roleName: builtInRole(row.role)?.name ?? checked.roles.get(row.role)?.name ?? row.role,
  });
}

/** The invitation email a create would send, as its invitee would see it (docs/http-api.md). */
export interface InvitationPreview {
  subject: string;
  /** `Name <address>`: the org's sender name, if set and trusted, with MAIL_FROM's address. */
  from: string;
  to: string;
  html: string;
  text: string;
}

/**
 * docs/rules.md R90: the email a create of this body would send, after the create's own checks
 * (checkCreate: the same refusals, the same codes), rendered by the outbox's template with an
 * inert link and no tracking pixel. It writes nothing, not even the expiry of a due invitation
 * the create would expire first.
 */
export async function previewInvitation(ctx: AppContext, actor: Actor, grants: OrgGrants, body: CreateInvitationBody): Promise<InvitationPreview> {
  const checked = await checkCreate(ctx, actor, grants, [body]);
  const refused = checked.outcomes[0];
  if (refused !== undefined && !refused.ok) throw refused.error;
  const input = checked.candidates[0]?.input;
  if (input === undefined) throw new AppError('INTERNAL');
  const row: EmailedInvitation = {
    id: '',
    org_id: grants.orgId,
    email: input.email,
    inviter_name: input.inviter.name,
    message: input.message,
    first_name: input.firstName,
    expires_at: input.expiresAt,
    tracking_id: '',
  };
  const email = invitationPreviewEmail(ctx.config, row, emailContextFor(checked)({ resource_id: input.resourceId, role: input.role }));
  const rendered = renderEmail(email);
  return {
    subject: rendered.subject,
    from: mailboxText(senderOf(ctx.config.mailFrom, email.senderName ?? null)),
    to: email.to,
    html: rendered.html,
    text: rendered.text,
  };
}

/**
 * Creates invitations: the single create is a batch of one, so both share every rule.
 * Items are checked one by one (a bad item fails alone, checkCreate) and the good ones are
 * written together (one statement: invitations, events, emails and quota use).
 */
export async function createInvitations(
  ctx: AppContext,
  actor: Actor,
  grants: OrgGrants,
  items: readonly CreateInvitationBody[],
): Promise<CreateOutcome[]> {
  const orgId = grants.orgId;
  const checked = await checkCreate(ctx, actor, grants, items);
  const { now, windowStart, outcomes, candidates, sameAs, context } = checked;
  const { org, accounts } = context;
  const fail = (index: number, error: unknown) => {
    if (!(error instanceof AppError)) throw error;
    outcomes[index] = { ok: false, error };
  };

  // 2. An invitation of these emails still live though its time is up is expired on the spot
  //    (its row would otherwise stand for the scope, and a new invitation could not be made).
  if (context.due.length > 0) {
    await ctx.db.transaction().execute(async (trx) => {
      const s = { ...step(ctx, trx, actor), actor: SYSTEM_ACTOR };
      for (const row of await lockInvitations(trx, orgId, context.due)) await lifecycle.expire(s, row);
    });
  }

  // 3. Write. The create is one statement, atomic on its own, and takes the batch's share of
  //    the hourly quota in that statement, or writes nothing. The user-first flow writes an
  //    `invited` user record for each email without an account first, so then both share a
  //    transaction (rolled back when the quota refuses).
  const contextFor = emailContextFor(checked);
  const quota = { windowStart, limit: invitationQuota(ctx.config, org) };
  const write = async (db: Kysely<DB> | Tx, batch: readonly Candidate[]) => {
    const s: lifecycle.CreateStep = { db, config: ctx.config, now, actor: eventActor(actor) };
    await attachInvitedUsers(s, orgId, batch, accounts);
    const written = await lifecycle.create(s, orgId, contextFor, batch.map((c) => c.input), { webhooks: context.webhooks, quota });
    if (written === null) throw new QuotaRefused();
    return written;
  };
  const attempt = async (batch: readonly Candidate[]) => {
    try {
      return batch.some((c) => c.createUser) ? await ctx.db.transaction().execute((trx) => write(trx, batch)) : await write(ctx.db, batch);
    } catch (error) {
      if (error instanceof QuotaRefused) return null;
      throw error;
    }
  };
  const quotaExceeded = () => new AppError('INVITATION_QUOTA_EXCEEDED', { headers: retryAfter(now) });

  // The quota counts new invitations only: when it cannot take them all, items whose scope
  // already has a live invitation are answered with it, and the rest are written while the
  // quota lasts. A write refused because concurrent creates took the quota first is retried
  // with what is left.
  let remaining = invitationQuota(ctx.config, org) - context.quotaUsed;
  let pending = candidates;
  let duplicatesAnswered = false;
  for (let round = 0; pending.length > 0; round++) {
    if (pending.length > remaining && !duplicatesAnswered) {
      duplicatesAnswered = true;
      const live = new Map(
        (await findLiveByScopes(ctx.db, orgId, pending.map((c) => c.input)))
          .filter((row) => !isDue(row, now))
          .map((row) => [scopeKey(row.email, row.resource_id), row]),
      );
      pending = pending.filter((candidate) => {
        const existing = live.get(scopeKey(candidate.input.email, candidate.input.resourceId));
        if (existing !== undefined) outcomes[candidate.index] = { ok: true, row: existing, created: false };
        return existing === undefined;
      });
      continue;
    }
    const batch = pending.slice(0, Math.max(0, remaining));
    const results = batch.length === 0 || round > 3 ? null : await attempt(batch);
    if (results !== null) {
      for (const [i, result] of results.entries()) {
        const candidate = batch[i];
        if (candidate !== undefined) outcomes[candidate.index] = { ok: true, ...result };
      }
      for (const candidate of pending.slice(batch.length)) fail(candidate.index, quotaExceeded());
      break;
    }
    if (batch.length === 0 || round > 3) {
      for (const candidate of pending) fail(candidate.index, quotaExceeded());
      break;
    }
    remaining = invitationQuota(ctx.config, org) - (await quotaUsed(ctx.db, orgId, windowStart));
  }

  return outcomes.map((outcome, index) => {
    if (outcome !== undefined) return outcome;
    const first = sameAs.get(index);
    const original = first === undefined ? undefined : outcomes[first];
    if (original?.ok === true) return { ok: true as const, row: original.row, created: false };
    return original ?? { ok: false as const, error: new AppError('INTERNAL') };
  });
}

/**
 * Where an item lands the invitee (docs/rules.md R60, R61): what it names, or the org's default
 * when it names neither an app nor an address (`appId: null` names "none").
 */
function landingOf(item: Pick<CreateInvitationBody, 'appId' | 'returnTo'>, org: Pick<OrgRow, 'default_app_id' | 'default_return_to'>): Landing {
  if (item.appId === undefined && item.returnTo === undefined) {
    return { appId: org.default_app_id, returnTo: org.default_app_id === null ? null : org.default_return_to };
  }
  return { appId: item.appId ?? null, returnTo: item.returnTo ?? null };
}

/**
 * An edit's landing: a new app resets the address unless the same change sets it, and
 * `appId: null` leaves no address.
 */
function editedLanding(row: Pick<InvitationRow, 'app_id' | 'return_to'>, body: Pick<PatchInvitationBody, 'appId' | 'returnTo'>): Landing {
  const appId = body.appId === undefined ? row.app_id : body.appId;
  const keptAddress = appId === row.app_id ? row.return_to : null;
  return { appId, returnTo: body.returnTo === undefined ? keptAddress : body.returnTo };
}

/** 404 ORG_NOT_FOUND without standing; 403 FORBIDDEN without 'invitations:manage' at the org or any resource. */
function assertMayInviteSomewhere(grants: OrgGrants, actor: Actor, orgId: string): void {
  const found = standingIn(grants, actor, { orgId });
  if (!found.member) throw new AppError('ORG_NOT_FOUND');
  if (holds(found.permissions, 'invitations:manage')) return;
  if (actor.type === 'api_key') throw new AppError('FORBIDDEN');
  // A widget limited to one resource may invite there even when its user's grant is org-wide.
  if (actor.type === 'widget' && actor.resourceId !== null) {
    if (canIn(grants, actor, 'invitations:manage', { orgId, resourceId: actor.resourceId })) return;
    throw new AppError('FORBIDDEN');
  }
  for (const { resource_id: resourceId } of grants.rows) {
    if (resourceId !== null && canIn(grants, actor, 'invitations:manage', { orgId, resourceId })) return;
  }
  throw new AppError('FORBIDDEN');
}

interface CustomRole {
  name: string;
  permissions: string[];
}

/** The org's custom roles among these keys (built-in ones need no look-up). */
async function customRoles(db: Kysely<DB>, orgId: string, keys: readonly string[]): Promise<Map<string, CustomRole>> {
  return findCustomRoles(db, orgId, [...new Set(keys.filter((key) => builtInRole(key) === undefined))]);
}

/**
 * User-first flow (docs/rules.md R13): sets `userId` on candidates that asked for it, creating an
 * `invited` user (no password, unverified) when the email has no account. An existing account
 * of any status is used as it is.
 */
async function attachInvitedUsers(
  s: lifecycle.CreateStep,
  orgId: string,
  candidates: readonly Candidate[],
  accounts: readonly { id: string; email: string }[],
): Promise<void> {
  const wanting = candidates.filter((c) => c.createUser);
  if (wanting.length === 0) return;
  const known = new Map(accounts.map((a) => [a.email, a.id]));
  const missing = wanting.filter((c) => !known.has(c.input.email));
  if (missing.length > 0) {
    const inserted = await createInvitedUsers(
      s.db,
      missing.map((c) => ({ email: c.input.email, firstName: c.input.firstName ?? '', lastName: c.input.lastName ?? '' })),
      s.now,
    );
    for (const user of inserted) known.set(user.email, user.id);
    await appendEvents(
      s.db,
      inserted.map((user) => ({
        type: 'user.invited',
        orgId,
        actor: s.actor,
        userId: user.id,
        data: { email: user.email },
        occurredAt: s.now,
      })),
    );
    // A concurrent create of the same email won the insert: use its row.
    const lost = missing.filter((c) => !known.has(c.input.email)).map((c) => c.input.email);
    if (lost.length > 0) {
      for (const user of await findUsersByEmails(s.db, lost)) {
        known.set(user.email, user.id);
      }
    }
  }
  for (const c of wanting) c.input.userId = known.get(c.input.email) ?? null;
}

export async function createInvitation(
  ctx: AppContext,
  actor: Actor,
  grants: OrgGrants,
  body: CreateInvitationBody,
): Promise<{ row: InvitationRow; created: boolean }> {
  const [outcome] = await createInvitations(ctx, actor, grants, [body]);
  if (outcome === undefined) throw new AppError('INTERNAL');
  if (!outcome.ok) throw outcome.error;
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// read

/**
 * Lists an org's invitations, newest first unless another sort is asked, keyset-paginated on
 * the sort's columns and the id; a cursor of another sort is 400 INVALID_CURSOR (R91). The route
 * has checked 'invitations:read' at the query's resource (the org when none), so a resource's
 * own admin may list it.
 */
export async function listInvitations(
  ctx: AppContext,
  orgId: string,
  query: ListInvitationsQuery,
): Promise<{ items: PresentedInvitationRow[]; nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  const now = ctx.clock.now();
  const { cursor, limit: _limit, email, sort: sortName = '-createdAt', ...filter } = query;
  const sort = invitationSort(sortName);
  const after = cursor === undefined ? null : decodeSortedCursor(cursor, sort.name, cursorShape(sort));
  const rows = await listInvitationRows(
    ctx.db,
    orgId,
    { ...filter, email: email === undefined ? undefined : canonicalEmail(email) },
    { now, sort, after, limit: limit + 1 },
  );
  const page = pageOf(rows, limit, (row) => cursorKey(sort, row.sort_key));
  return { items: page.items.map(({ sort_key: _key, ...row }) => asOf(row, now)), nextCursor: page.nextCursor };
}

/**
 * Authorizes access to one invitation of the org whose grants these are, from those grants:
 * 404 ORG_NOT_FOUND, 404 INVITATION_NOT_FOUND, 403.
 */
async function authorizeInvitation(
  db: Kysely<DB> | Tx,
  actor: Actor,
  grants: OrgGrants,
  permission: string,
  find: () => Promise<InvitationRow | undefined>,
): Promise<InvitationRow> {
  requireStanding(grants, actor);
  const row = await find();
  if (row === undefined) throw new AppError('INVITATION_NOT_FOUND');
  await authorizeIn(db, grants, actor, permission, { orgId: grants.orgId, resourceId: row.resource_id });
  return row;
}

export async function getInvitation(
  ctx: AppContext,
  actor: Actor,
  grants: OrgGrants,
  id: string,
): Promise<{ row: InvitationRow; events: EventRow[] }> {
  const row = await authorizeInvitation(ctx.db, actor, grants, 'invitations:read', () => findInvitation(ctx.db, grants.orgId, id));
  const events = await listInvitationEvents(ctx.db, id);
  return { row: asOf(row, ctx.clock.now()), events };
}

/**
 * A person's latest invitation with its timeline, so the person's page asks for it beside the
 * person (docs/rules.md R92): 404 PERSON_NOT_FOUND; 403 without `invitations:read` at the
 * person's scope; 404 INVITATION_NOT_FOUND when the person was never invited; and then the same
 * check as GET /invitations/:id at the invitation's own scope.
 */
export async function getPersonInvitation(
  ctx: AppContext,
  actor: Actor,
  grants: OrgGrants,
  personId: string,
): Promise<{ row: InvitationRow; events: EventRow[] }> {
  requireStanding(grants, actor);
  const person = await findPersonIn(ctx, grants.orgId, personId);
  await authorizeIn(ctx.db, grants, actor, 'invitations:read', { orgId: grants.orgId, resourceId: person.resource_id });
  if (person.latest_invitation_id === null) throw new AppError('INVITATION_NOT_FOUND');
  return getInvitation(ctx, actor, grants, person.latest_invitation_id);
}

// ---------------------------------------------------------------------------------------------
// change

/**
 * Runs `work` on the locked invitation in one transaction. An invitation still live though its
 * time is up is expired on the spot first, so every change sees it as the invitee would; an
 * AppError `work` *returns* is thrown after the commit, so that expiry stays.
 */
async function withInvitation<T>(
  ctx: AppContext,
  actor: Actor,
  grants: OrgGrants,
  id: string,
  work: (s: lifecycle.Step, row: InvitationRow) => Promise<T | AppError>,
): Promise<T> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const found = await authorizeInvitation(trx, actor, grants, 'invitations:manage', () => lockInvitation(trx, grants.orgId, id));
    const s = step(ctx, trx, actor);
    return work(s, await lifecycle.expire({ ...s, actor: SYSTEM_ACTOR }, found));
  });
  if (result instanceof AppError) throw result;
  return result;
}

/**
 * Whoever changes an invitation must be able to hand on what it grants: the role it grants now,
 * where it grants it (an admin may not take over an owner's invitation to an owner's role), and,
 * for an edit, the role and place it is changed to. A create passes the same check.
 */
async function assertMayHandOn(trx: Tx, actor: Actor, grants: OrgGrants, role: string, resourceId: string | null): Promise<void> {
  const scope = { orgId: grants.orgId, resourceId };
  await authorizeIn(trx, grants, actor, 'invitations:manage', scope);
  await assertGrantableIn(trx, grants, actor, role, scope);
}

/**
 * PATCH: role, resource, message and expiry are edited in place (the token stays); a new email
 * is a correction (new token, sent to the new address). The actor must be able to grant the
 * invitation's current role at its current scope and the new role at the new scope. A
 * correction sends an email: it counts in the hourly quota and waits out the resend cooldown.
 */
export async function editInvitation(
  ctx: AppContext,
  actor: Actor,
  grants: OrgGrants,
  id: string,
  body: PatchInvitationBody,
): Promise<InvitationRow> {
  const orgId = grants.orgId;
  return withInvitation(ctx, actor, grants, id, async (s, row) => {
    if (!isEditable(row.status)) return new AppError('INVITATION_NOT_PENDING', { extra: { state: { status: row.status } } });
    const resourceId = body.resourceId === undefined ? row.resource_id : body.resourceId;
    const role = body.role ?? row.role;
    const email = body.email === undefined ? row.email : parseEmail(body.email);
    const org = await findOrg(s.trx, orgId);
    if (org === undefined) throw new AppError('ORG_NOT_FOUND');
    const expiresAt = body.expiresAt === undefined ? undefined : parseExpiry(body.expiresAt, org, s.now);
    await assertMayHandOn(s.trx, actor, grants, row.role, row.resource_id);
    if (resourceId !== row.resource_id || role !== row.role) {
      if (resourceId !== null && (await findResource(s.trx, orgId, resourceId)) === undefined) {
        throw new AppError('RESOURCE_NOT_FOUND', { details: [{ path: 'resourceId', message: 'no such resource in this organization' }] });
      }
      await assertMayHandOn(s.trx, actor, grants, role, resourceId);
    }
    if (email !== row.email || resourceId !== row.resource_id) {
      await assertNoConflict(s, orgId, row.id, email, resourceId);
    }
    const landing = body.appId === undefined && body.returnTo === undefined ? undefined : editedLanding(row, body);
    if (landing !== undefined) await checkLanding(s.trx, orgId, landing);
    const changes: lifecycle.EditChanges = {
      role,
      resourceId,
      ...(landing === undefined ? {} : { appId: landing.appId, returnTo: landing.returnTo }),
      ...(body.message === undefined ? {} : { message: body.message }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    if (email === row.email) return lifecycle.edit(s, row, changes);
    lifecycle.assertCorrectionCooldown(row, s.now);
    const windowStart = new Date(Math.floor(s.now.getTime() / HOUR) * HOUR);
    if (!(await takeQuota(s.trx, { orgId, windowStart, limit: invitationQuota(ctx.config, org) }, 1))) {
      throw new AppError('INVITATION_QUOTA_EXCEEDED', { headers: retryAfter(s.now) });
    }
    const context = await loadEmailContext(s.trx, { org_id: orgId, resource_id: resourceId, role });
    return lifecycle.correct(s, row, email, { ...changes, expiresAt: expiresAt ?? parseExpiry(undefined, org, s.now) }, context);
  });
}

/**
 * The new (email, resource) must not already have access nor another live invitation. A live one there whose time is up is expired on the spot and is no conflict.
 */
async function assertNoConflict(s: lifecycle.Step, orgId: string, id: string, email: string, resourceId: string | null): Promise<void> {
  const trx = s.trx;
  for (const row of await findLiveByScopes(trx, orgId, [{ email, resourceId }], { lock: true })) {
    if (row.id === id) continue;
    if (isDue(row, s.now)) await lifecycle.expire({ ...s, actor: SYSTEM_ACTOR }, row);
    else throw new AppError('INVITATION_DUPLICATE');
  }
  const user = await findUserByEmail(trx, email);
  if (user !== undefined && (await hasAccessAt(trx, { orgId, userId: user.id, resourceId }))) throw new AppError('ALREADY_MEMBER');
}

/** Resend sends a new link for what the invitation grants: the actor must be able to grant it. */
export async function resendInvitation(ctx: AppContext, actor: Actor, grants: OrgGrants, id: string): Promise<InvitationRow> {
  const orgId = grants.orgId;
  return withInvitation(ctx, actor, grants, id, async (s, row) => {
    await assertMayHandOn(s.trx, actor, grants, row.role, row.resource_id);
    // A revived invitation must not collide with a newer live one for the same email and scope.
    if (row.status === 'expired' || row.status === 'failed') await assertNoConflict(s, orgId, row.id, row.email, row.resource_id);
    return lifecycle.resend(s, row, await loadEmailContext(s.trx, row));
  });
}

export async function revokeInvitation(ctx: AppContext, actor: Actor, grants: OrgGrants, id: string): Promise<InvitationRow> {
  return withInvitation(ctx, actor, grants, id, (s, row) => lifecycle.revoke(s, row));
}

export async function deleteInvitation(ctx: AppContext, actor: Actor, grants: OrgGrants, id: string): Promise<void> {
  await withInvitation(ctx, actor, grants, id, (s, row) => lifecycle.remove(s, row));
}
