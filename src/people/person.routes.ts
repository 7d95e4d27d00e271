/**
 * The people directory: GET/POST /people, POST /people/import (text/csv),
 * GET/PATCH/DELETE /people/:personId (all under /api/v1/orgs/:orgId).
 *
 * Scope: listing with ?resourceId= and creating at a resource check the permission at that
 * resource, so a location's admin manages their location's people; a person's own routes need
 * standing in the org here and check the permission at the person's resource in the service.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { router } from '../http/route.js';
import { ListQuery, NullableInput, OrgParams, Page, Uuid } from '../http/schemas.js';
import { ACCESS_STATUSES, AccessStatusSchema, PeopleSortSchema, PeopleCountsSchema, PeopleImportComponent, PersonSchema, presentPerson } from './person.presenter.js';
import { CSV_BODY_LIMIT, importPeople } from './person.import.js';
import { countPeople, createPerson, deletePerson, getPerson, listPeople, updatePerson } from './person.service.js';

const FirstName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const LastName = Type.String({ maxLength: 200 });
const Email = Type.String({ maxLength: 320 });
const Title = NullableInput(Type.String({ maxLength: 200 }));
const NullableUuid = Type.Union([Uuid, Type.Null()]);
const PersonParams = Type.Object({ orgId: Uuid, personId: Uuid });

export function peopleRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/people',
      widget: true,
      tags: ['people'],
      summary: 'The directory, by name or the asked sort: search by name or email, filter by access status or resource',
      params: OrgParams,
      query: Type.Object(
        {
          ...ListQuery,
          q: Type.Optional(Type.String({ maxLength: 200 })),
          accessStatus: Type.Optional(AccessStatusSchema),
          resourceId: Type.Optional(Uuid),
          sort: Type.Optional(PeopleSortSchema),
        },
        { additionalProperties: false },
      ),
      response: { 200: Page(PersonSchema) },
      errors: ['RESOURCE_NOT_FOUND', 'INVALID_CURSOR'],
      auth: { permission: 'people:read', resourceIdFrom: 'query' },
      handler: async (request) => {
        const { limit = 50, cursor, q, accessStatus, resourceId, sort = 'name' } = request.query;
        const page = await listPeople(ctx, request.params.orgId, { q, accessStatus, resourceId }, { sort, limit, cursor });
        return { items: page.items.map(presentPerson), nextCursor: page.nextCursor };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/people/counts',
      widget: true,
      tags: ['people'],
      summary: 'How many people are in each access status (the status tabs over the directory), under the same search and resource filters',
      params: OrgParams,
      query: Type.Object({ q: Type.Optional(Type.String({ maxLength: 200 })), resourceId: Type.Optional(Uuid) }, { additionalProperties: false }),
      response: {
        200: PeopleCountsSchema,
      },
      errors: ['RESOURCE_NOT_FOUND'],
      auth: { permission: 'people:read', resourceIdFrom: 'query' },
      handler: async (request) => {
        const { q, resourceId } = request.query;
        const counts = await countPeople(ctx, request.params.orgId, { q, resourceId });
        const byStatus = Object.fromEntries(ACCESS_STATUSES.map((status) => [status, counts.get(status) ?? 0])) as Record<(typeof ACCESS_STATUSES)[number], number>;
        return { total: Object.values(byStatus).reduce((sum, n) => sum + n, 0), byStatus };
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/people',
      tags: ['people'],
      summary: 'Add a person to the directory',
      params: OrgParams,
      body: Type.Object(
        { firstName: FirstName, lastName: LastName, email: Email, title: Type.Optional(Title), resourceId: Type.Optional(NullableUuid) },
        { additionalProperties: false },
      ),
      response: { 201: PersonSchema },
      errors: ['INVALID_EMAIL', 'RESOURCE_NOT_FOUND', 'PERSON_EXISTS'],
      auth: { permission: 'people:manage', resourceIdFrom: 'body' },
      handler: async (request) => presentPerson(await createPerson(ctx, request.params.orgId, request.body)),
    });

    // text/csv is accepted by this route only, and only text/csv: the parsers are scoped to this plugin.
    await app.register(async (csvScope) => {
      csvScope.removeAllContentTypeParsers();
      csvScope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_request, body, done) => {
        done(null, body);
      });
      router(csvScope, ctx)({
        method: 'POST',
        url: '/api/v1/orgs/:orgId/people/import',
        tags: ['people'],
        summary: 'Import people from CSV (header firstName,lastName,email,title; up to 50,000 rows), upserting by email',
        consumes: ['text/csv'],
        params: OrgParams,
        body: Type.String(),
        response: { 200: PeopleImportComponent.ref },
        errors: ['CSV_INVALID', 'CSV_TOO_LARGE'],
        auth: { permission: 'people:manage' },
        options: { bodyLimit: CSV_BODY_LIMIT },
        handler: async (request) => importPeople(ctx, request.params.orgId, request.body),
      });
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/people/:personId',
      widget: true,
      tags: ['people'],
      summary: 'One person',
      params: PersonParams,
      response: { 200: PersonSchema },
      errors: ['PERSON_NOT_FOUND', 'FORBIDDEN'],
      auth: 'orgMember',
      handler: async (request, _reply, actor) => presentPerson(await getPerson(ctx, actor, request.params.orgId, request.params.personId)),
    });

    route({
      method: 'PATCH',
      url: '/api/v1/orgs/:orgId/people/:personId',
      tags: ['people'],
      summary: 'Change a person; `userId` links them to the user who is that person (null unlinks)',
      params: PersonParams,
      body: Type.Object(
        {
          firstName: Type.Optional(FirstName),
          lastName: Type.Optional(LastName),
          email: Type.Optional(Email),
          title: Type.Optional(Title),
          resourceId: Type.Optional(NullableUuid),
          userId: Type.Optional(NullableUuid),
        },
        { additionalProperties: false },
      ),
      response: { 200: PersonSchema },
      errors: ['PERSON_NOT_FOUND', 'FORBIDDEN', 'RESOURCE_NOT_FOUND', 'INVALID_EMAIL', 'PERSON_EXISTS', 'USER_NOT_FOUND', 'PERSON_ALREADY_LINKED'],
      auth: 'orgMember',
      handler: async (request, _reply, actor) =>
        presentPerson(await updatePerson(ctx, actor, request.params.orgId, request.params.personId, request.body)),
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/people/:personId',
      tags: ['people'],
      summary: 'Remove a person from the directory (their invitations stay, unlinked)',
      params: PersonParams,
      response: { 204: Type.Null() },
      errors: ['PERSON_NOT_FOUND', 'FORBIDDEN'],
      auth: 'orgMember',
      handler: async (request, _reply, actor) => {
        await deletePerson(ctx, actor, request.params.orgId, request.params.personId);
        return null;
      },
    });
  };
}
