/**
 * Orgs and resources: plain queries taking `db` or `trx` first.
 */
import type { Kysely, Transaction, Updateable } from 'kysely';
import type { DB, OrgLogosTable, OrgRow, OrgsTable, ResourceRow, ResourcesTable } from '../db/schema.js';

type Db = Kysely<DB> | Transaction<DB>;

export async function findOrg(db: Db, orgId: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function insertOrg(
  trx: Transaction<DB>,
  org: { name: string; trusted: boolean; invitationsPerHour: number },
  now: Date,
): Promise<OrgRow> {
  return trx
    .insertInto('orgs')
    .values({ name: org.name, trusted: org.trusted, invitations_per_hour: org.invitationsPerHour, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateOrg(trx: Transaction<DB>, orgId: string, changes: Updateable<OrgsTable>): Promise<OrgRow | undefined> {
  return trx.updateTable('orgs').set(changes).where('id', '=', orgId).returningAll().executeTakeFirst();
}

/** The uploaded logo of an org, or undefined when it has none. */
export async function findOrgLogo(
  db: Db,
  orgId: string,
): Promise<{ content_type: OrgLogosTable['content_type']; bytes: Uint8Array; digest: string } | undefined> {
  return db.selectFrom('org_logos').select(['content_type', 'bytes', 'digest']).where('org_id', '=', orgId).executeTakeFirst();
}

/** Stores (or replaces) an org's uploaded logo. */
export async function upsertOrgLogo(
  trx: Transaction<DB>,
  orgId: string,
  logo: { contentType: OrgLogosTable['content_type']; bytes: Uint8Array; digest: string },
  now: Date,
): Promise<void> {
  await trx
    .insertInto('org_logos')
    .values({ org_id: orgId, content_type: logo.contentType, bytes: logo.bytes, digest: logo.digest, updated_at: now })
    .onConflict((oc) =>
      oc.column('org_id').doUpdateSet({ content_type: logo.contentType, bytes: logo.bytes, digest: logo.digest, updated_at: now }),
    )
    .execute();
}

export async function deleteOrgLogo(trx: Transaction<DB>, orgId: string): Promise<void> {
  await trx.deleteFrom('org_logos').where('org_id', '=', orgId).execute();
}

/** Orgs where the user holds any grant, by name. */
export async function listUserOrgs(db: Db, userId: string): Promise<OrgRow[]> {
  return db
    .selectFrom('orgs')
    .selectAll()
    .where('id', 'in', (eb) => eb.selectFrom('grants').select('org_id').where('user_id', '=', userId))
    .orderBy('name')
    .orderBy('id')
    .execute();
}

export async function findResource(db: Db, orgId: string, resourceId: string): Promise<ResourceRow | undefined> {
  return db.selectFrom('resources').selectAll().where('org_id', '=', orgId).where('id', '=', resourceId).executeTakeFirst();
}

export async function insertResource(db: Db, orgId: string, input: { kind: string; name: string }, now: Date): Promise<ResourceRow> {
  return db
    .insertInto('resources')
    .values({ org_id: orgId, kind: input.kind, name: input.name, created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateResource(
  db: Db,
  orgId: string,
  resourceId: string,
  changes: Updateable<ResourcesTable>,
): Promise<ResourceRow | undefined> {
  return db
    .updateTable('resources')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('id', '=', resourceId)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteResource(trx: Transaction<DB>, orgId: string, resourceId: string): Promise<void> {
  await trx.deleteFrom('resources').where('org_id', '=', orgId).where('id', '=', resourceId).execute();
}

/** A page of an org's resources ordered by (name, id), after the cursor's key when given. */
export async function listResources(
  db: Db,
  orgId: string,
  page: { limit: number; after: readonly [string, string] | null; kind?: string | undefined },
): Promise<ResourceRow[]> {
  let query = db.selectFrom('resources').selectAll().where('org_id', '=', orgId);
  if (page.kind !== undefined) query = query.where('kind', '=', page.kind);
  if (page.after !== null) {
    const [name, id] = page.after;
    query = query.where((eb) => eb(eb.refTuple('name', 'id'), '>', eb.tuple(name, id)));
  }
  return query.orderBy('name').orderBy('id').limit(page.limit + 1).execute();
}

/** The org's resources among `ids`, ordered by (name, id) (GET /me: a location-only member's own). */
export async function listResourcesByIds(db: Db, orgId: string, ids: readonly string[]): Promise<ResourceRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('resources').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).orderBy('name').orderBy('id').execute();
}

/** The first org of this name, if any (names are not unique; the demo finds its own by name). */
export async function findOrgByName(db: Db, name: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('name', '=', name).orderBy('created_at').limit(1).executeTakeFirst();
}
