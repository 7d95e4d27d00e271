/**
 * The people directory: entries of an org for people it intends to make users, unique by
 * canonical email within the org, optionally linked to the user who is that person.
 */
import type { Transaction } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { eventActor } from '../auth/actor.js';
import { parseEmail } from '../auth/email.js';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { appendEvent, type EventActor } from '../events/event.repository.js';
import { findResource } from '../orgs/org.repository.js';
import type { PersonView } from './person.presenter.js';
import { findPerson } from './person.repository.js';

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

export async function createPerson(ctx: AppContext, orgId: string, input: PersonInput): Promise<PersonView> {
  const email = parseEmail(input.email);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await assertResource(trx, orgId, input.resourceId);
    const row = await trx
      .insertInto('people')
      .values({
        org_id: orgId,
        first_name: input.firstName.trim(),
        last_name: input.lastName.trim(),
        email,
        title: cleanTitle(input.title),
        resource_id: input.resourceId ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['org_id', 'email']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (row === undefined) throw new AppError('PERSON_EXISTS');
    return mustFind(trx, orgId, row.id, now);
  });
}

async function mustFind(trx: Transaction<DB>, orgId: string, personId: string, now: Date): Promise<PersonView> {
  const person = await findPerson(trx, orgId, personId, now);
  if (person === undefined) throw new AppError('PERSON_NOT_FOUND');
  return person;
}

export async function getPerson(ctx: AppContext, orgId: string, personId: string): Promise<PersonView> {
  const person = await findPerson(ctx.db, orgId, personId, ctx.clock.now());
  if (person === undefined) throw new AppError('PERSON_NOT_FOUND');
  return person;
}

/**
 * Links a person to the user who is that person (or unlinks with null), writing
 * `person.linked` / `person.unlinked`. Eligible users: members of the org (any grant) or the
 * user whose email is the person's; any other id answers 404 USER_NOT_FOUND, as an id that
 * does not exist does. A user is linked to at most one person per org.
 * Exported for the invitations area, which links on accept inside its own transaction.
 */
export async function linkPerson(
  trx: Transaction<DB>,
  input: { orgId: string; personId: string; userId: string | null; actor: EventActor; now: Date },
): Promise<void> {
  const person = await trx
    .selectFrom('people')
    .select(['id', 'email', 'user_id'])
    .where('org_id', '=', input.orgId)
    .where('id', '=', input.personId)
    .forUpdate()
    .executeTakeFirst();
  if (person === undefined) throw new AppError('PERSON_NOT_FOUND');
  if (person.user_id === input.userId) return;
  if (input.userId !== null) {
    const user = await trx.selectFrom('users').select(['id', 'email']).where('id', '=', input.userId).executeTakeFirst();
    const member =
      user === undefined
        ? undefined
        : await trx.selectFrom('grants').select('id').where('org_id', '=', input.orgId).where('user_id', '=', user.id).executeTakeFirst();
    // An account that may not be linked answers like one that does not exist, so user ids of
    // other orgs tell nothing.
    if (user === undefined || (member === undefined && user.email !== person.email)) {
      throw new AppError('USER_NOT_FOUND', { details: [{ path: 'userId', message: 'no such user' }] });
    }
    const other = await trx
      .selectFrom('people')
      .select('id')
      .where('org_id', '=', input.orgId)
      .where('user_id', '=', user.id)
      .where('id', '!=', person.id)
      .executeTakeFirst();
    if (other !== undefined) throw new AppError('PERSON_ALREADY_LINKED');
  }
  await trx.updateTable('people').set({ user_id: input.userId, updated_at: input.now }).where('id', '=', person.id).execute();
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
  ctx: AppContext,
  actor: Actor,
  orgId: string,
  personId: string,
  input: Partial<PersonInput> & { userId?: string | null },
): Promise<PersonView> {
  const email = input.email === undefined ? undefined : parseEmail(input.email);
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    await mustFind(trx, orgId, personId, now);
    await assertResource(trx, orgId, input.resourceId);
    if (email !== undefined) {
      const clash = await trx
        .selectFrom('people')
        .select('id')
        .where('org_id', '=', orgId)
        .where('email', '=', email)
        .where('id', '!=', personId)
        .executeTakeFirst();
      if (clash !== undefined) throw new AppError('PERSON_EXISTS');
    }
    await trx
      .updateTable('people')
      .set({
        ...(input.firstName === undefined ? {} : { first_name: input.firstName.trim() }),
        ...(input.lastName === undefined ? {} : { last_name: input.lastName.trim() }),
        ...(email === undefined ? {} : { email }),
        ...(input.title === undefined ? {} : { title: cleanTitle(input.title) }),
        ...(input.resourceId === undefined ? {} : { resource_id: input.resourceId }),
        updated_at: now,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', personId)
      .execute();
    if (input.userId !== undefined) {
      await linkPerson(trx, { orgId, personId, userId: input.userId, actor: eventActor(actor), now });
    }
    return mustFind(trx, orgId, personId, now);
  });
}

export async function deletePerson(ctx: AppContext, orgId: string, personId: string): Promise<void> {
  const deleted = await ctx.db.deleteFrom('people').where('org_id', '=', orgId).where('id', '=', personId).returning('id').executeTakeFirst();
  if (deleted === undefined) throw new AppError('PERSON_NOT_FOUND');
}
