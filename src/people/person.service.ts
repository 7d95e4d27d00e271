/**
 * The people directory: entries of an org for people it intends to make users, unique by
 * canonical email within the org, optionally linked to the user who is that person.
 *
 * Scope: a person's own routes check the permission at the person's resource (their org when
 * they have none), so a location's admin manages their location's people; moving a person to
 * another resource needs the permission there too.
 */
import type { Transaction } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { eventActor } from '../auth/actor.js';
import { parseEmail } from '../auth/email.js';
import { authorize } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent, type EventActor } from '../events/event.repository.js';
import { decodeSortedCursor, type Page, pageOf } from '../http/cursor.js';
import { cursorKey, cursorShape } from '../db/keyset.js';
import { findResource } from '../orgs/org.repository.js';
import type { AccessStatus, PeopleSort, PersonView } from './person.presenter.js';
import * as repo from './person.repository.js';

type Ctx = Pick<AppContext, 'db' | 'clock'>;

export interface PersonInput {
  firstName: string;
  lastName: string;
  email: string;
  title?: string | null | undefined;
  resourceId?: string | null | undefined;
}

async function assertResource(trx: Transaction<DB>, orgId: string, resourceId: string | null | undefined): Promise<void> {
  if (resourceId !== null && resourceId !== undefined && (await findResource(trx, orgId, resourceId)) === undefined) {
    throw new AppError('RESOURCE_NOT_FOUND', { details: [{ path: 'resourceId', message: 'is not a resource of this organization' }] });
  }
}

function cleanTitle(title: string | null | undefined): string | null {
  const trimmed = title?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

/**
 * A page of the directory in the asked sort (docs/rules.md R91); a cursor made under another
 * sort is 400 INVALID_CURSOR.
 */
export async function listPeople(
  ctx: Ctx,
  orgId: string,
  filter: repo.PeopleFilter,
  page: { sort: PeopleSort; limit: number; cursor: string | undefined },
): Promise<Page<PersonView>> {
  const sort = repo.peopleSort(page.sort);
  const after = page.cursor === undefined ? null : decodeSortedCursor(page.cursor, sort.name, cursorShape(sort));
  const rows = await repo.listPeople(ctx.db, orgId, filter, { sort, limit: page.limit, after }, ctx.clock.now());
  return pageOf(rows, page.limit, (row) => cursorKey(sort, row.sort_key));
}

/** How many people are in each access status, under the list's search and resource filters. */
export async function countPeople(ctx: Ctx, orgId: string, filter: Omit<repo.PeopleFilter, 'accessStatus'>): Promise<Map<AccessStatus, number>> {
  return repo.countPeopleByStatus(ctx.db, orgId, filter, ctx.clock.now());
}

export async function createPerson(ctx: Ctx, orgId: string, input: PersonInput): Promise<PersonView> {
  const email = parseEmail(input.email);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await assertResource(trx, orgId, input.resourceId);
    const id = await repo.insertPerson(
      trx,
      orgId,
      {
        firstName: input.firstName.trim(),
        lastName: input.lastName.trim(),
        email,
        title: cleanTitle(input.title),
        resourceId: input.resourceId ?? null,
      },
      now,
    );
    if (id === undefined) throw new AppError('PERSON_EXISTS');
    return mustFind(trx, orgId, id, now);
  });
}

async function mustFind(db: AppContext['db'] | Transaction<DB>, orgId: string, personId: string, now: Date): Promise<PersonView> {
  const person = await repo.findPerson(db, orgId, personId, now);
  if (person === undefined) throw new AppError('PERSON_NOT_FOUND');
  return person;
}

/**
 * The person, once the actor may do `permission` where the person is: 404 PERSON_NOT_FOUND for
 * no such person in the org, 403 FORBIDDEN without the permission at the person's resource.
 * The caller has checked the actor's standing in the org.
 */
async function personFor(ctx: Ctx, actor: Actor, orgId: string, personId: string, permission: string): Promise<PersonView> {
  const person = await mustFind(ctx.db, orgId, personId, ctx.clock.now());
  await authorize(ctx.db, actor, permission, { orgId, resourceId: person.resource_id });
  return person;
}

/** The org's person, unauthorized (the caller checks its own permission at `resource_id`): 404 PERSON_NOT_FOUND. */
export async function findPersonIn(ctx: Ctx, orgId: string, personId: string): Promise<PersonView> {
  return mustFind(ctx.db, orgId, personId, ctx.clock.now());
}

export async function getPerson(ctx: Ctx, actor: Actor, orgId: string, personId: string): Promise<PersonView> {
  return personFor(ctx, actor, orgId, personId, 'people:read');
}

/**
 * Links the org's directory entry (by id, or by email) to the user who is that person, writing
 * `person.linked`, in the caller's transaction. A directory entry already linked to another user
 * is never taken over: nothing changes and it comes back as `skipped`. No entry: both null.
 * The invitation's accept links this way, after its grant.
 */
export async function linkPerson(
  trx: Transaction<DB>,
  input: { orgId: string; person: repo.PersonKey; userId: string; actor: EventActor; now: Date; invitationId?: string },
): Promise<{ personId: string | null; skipped: string | null }> {
  const person = await repo.lockPerson(trx, input.orgId, input.person);
  if (person === undefined || person.user_id === input.userId) return { personId: person?.id ?? null, skipped: null };
  if (person.user_id !== null) return { personId: null, skipped: person.id };
  await repo.setPersonUser(trx, person.id, input.userId, input.now);
  await appendEvent(trx, {
    type: 'person.linked',
    orgId: input.orgId,
    actor: input.actor,
    ...(input.invitationId === undefined ? {} : { invitationId: input.invitationId }),
    personId: person.id,
    userId: input.userId,
    data: { previousUserId: person.user_id },
    occurredAt: input.now,
  });
  return { personId: person.id, skipped: null };
}

/**
 * An admin sets who the person is (or unlinks with null), writing `person.linked` /
 * `person.unlinked`; unlike linkPerson this may move an entry from one user to another.
 * Eligible users: members of the org (any grant) or the user whose email is the person's; any
 * other id answers 404 USER_NOT_FOUND, as an id that does not exist does, so user ids of other
 * orgs tell nothing. A user is linked to at most one person per org (409 PERSON_ALREADY_LINKED).
 */
async function setPersonUser(
  trx: Transaction<DB>,
  input: { orgId: string; personId: string; userId: string | null; actor: EventActor; now: Date },
): Promise<void> {
  const person = await repo.lockPerson(trx, input.orgId, { id: input.personId });
  if (person === undefined) throw new AppError('PERSON_NOT_FOUND');
  if (person.user_id === input.userId) return;
  if (input.userId !== null) {
    const user = await repo.findUserForLink(trx, input.orgId, input.userId);
    if (user === undefined || (!user.member && user.email !== person.email)) {
      throw new AppError('USER_NOT_FOUND', { details: [{ path: 'userId', message: 'no such user' }] });
    }
    if ((await repo.otherPersonLinkedTo(trx, input.orgId, user.id, person.id)) !== undefined) throw new AppError('PERSON_ALREADY_LINKED');
  }
  await repo.setPersonUser(trx, person.id, input.userId, input.now);
  await appendEvent(trx, {
    type: input.userId === null ? 'person.unlinked' : 'person.linked',
    orgId: input.orgId,
    actor: input.actor,
    personId: person.id,
    userId: input.userId ?? person.user_id,
    data: input.userId === null ? { previousUserId: person.user_id } : { userId: input.userId },
    occurredAt: input.now,
  });
}

export async function updatePerson(
  ctx: Ctx,
  actor: Actor,
  orgId: string,
  personId: string,
  input: Partial<PersonInput> & { userId?: string | null },
): Promise<PersonView> {
  await personFor(ctx, actor, orgId, personId, 'people:manage');
  // Moving a person to another resource needs the permission there too.
  if (input.resourceId !== undefined) await authorize(ctx.db, actor, 'people:manage', { orgId, resourceId: input.resourceId });
  const email = input.email === undefined ? undefined : parseEmail(input.email);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await mustFind(trx, orgId, personId, now);
    await assertResource(trx, orgId, input.resourceId);
    if (email !== undefined && (await repo.emailTaken(trx, orgId, email, personId))) throw new AppError('PERSON_EXISTS');
    await repo.updatePerson(trx, orgId, personId, {
      ...(input.firstName === undefined ? {} : { first_name: input.firstName.trim() }),
      ...(input.lastName === undefined ? {} : { last_name: input.lastName.trim() }),
      ...(email === undefined ? {} : { email }),
      ...(input.title === undefined ? {} : { title: cleanTitle(input.title) }),
      ...(input.resourceId === undefined ? {} : { resource_id: input.resourceId }),
      updated_at: now,
    });
    if (input.userId !== undefined) {
      await setPersonUser(trx, { orgId, personId, userId: input.userId, actor: eventActor(actor), now });
    }
    return mustFind(trx, orgId, personId, now);
  });
}

export async function deletePerson(ctx: Ctx, actor: Actor, orgId: string, personId: string): Promise<void> {
  await personFor(ctx, actor, orgId, personId, 'people:manage');
  if (!(await repo.deletePerson(ctx.db, orgId, personId))) throw new AppError('PERSON_NOT_FOUND');
}
