/**
 * The people directory: GET/POST /people, POST /people/import (text/csv),
 * GET/PATCH/DELETE /people/:personId (all under /api/v1/orgs/:orgId).
 *
 * Scope: listing with ?resourceId= and creating at a resource check the permission at that
 * resource, so a location's admin manages their location's people; a person's own routes check
 * it at the person's resource.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { authorize, requireStanding } from '../auth/policy.js';
import type { AppContext } from '../context.js';
import { decodeCursor, invalidCursor, isUuid, pageOf } from '../http/cursor.js';
import { ErrorSchema, ListQuery, NullableInput, OrgParams, Page, Uuid } from '../http/schemas.js';
import { AccessStatusSchema, PersonSchema, presentPerson } from './person.presenter.js';
import { CSV_BODY_LIMIT, importPeople } from './person.import.js';
import { listPeople } from './person.repository.js';
import { createPerson, deletePerson, getPerson, updatePerson } from './person.service.js';

const Errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 422: ErrorSchema };
const FirstName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const LastName = Type.String({ maxLength: 200 });
const Email = Type.String({ maxLength: 320 });
const Title = NullableInput(Type.String({ maxLength: 200 }));
const NullableUuid = Type.Union([Uuid, Type.Null()]);
const PersonParams = Type.Object({ orgId: Uuid, personId: Uuid });

function peopleCursor(cursor: string): [string, string, string] {
  const [lastName, firstName, id] = decodeCursor(cursor, 3);
  if (lastName === undefined || firstName === undefined || !isUuid(id)) throw invalidCursor();
  return [lastName, firstName, id];
}

export function peopleRoutes(ctx: AppContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api/v1/orgs/:orgId/people',
      {
        schema: {
          tags: ['people'],
          summary: 'The directory, by name: search by name or email, filter by access status or resource',
          params: OrgParams,
          querystring: Type.Object(
            {
              ...ListQuery,
              q: Type.Optional(Type.String({ maxLength: 200 })),
              accessStatus: Type.Optional(AccessStatusSchema),
              resourceId: Type.Optional(Uuid),
            },
            { additionalProperties: false },
          ),
          response: { 200: Page(PersonSchema), ...Errors },
        },
      },
      async (request) => {
        const { orgId } = request.params;
        const { limit = 50, cursor, q, accessStatus, resourceId } = request.query;
        await authorize(ctx.db, request.actor, 'people:read', { orgId, resourceId: resourceId ?? null });
        const after = cursor === undefined ? null : peopleCursor(cursor);
        const rows = await listPeople(ctx.db, orgId, { q, accessStatus, resourceId }, { limit, after }, ctx.clock.now());
        const page = pageOf(rows, limit, (row) => [row.last_name, row.first_name, row.id]);
        return { items: page.items.map(presentPerson), nextCursor: page.nextCursor };
      },
    );

    app.post(
      '/api/v1/orgs/:orgId/people',
      {
        schema: {
          tags: ['people'],
          summary: 'Add a person to the directory',
          params: OrgParams,
          body: Type.Object(
            { firstName: FirstName, lastName: LastName, email: Email, title: Type.Optional(Title), resourceId: Type.Optional(NullableUuid) },
            { additionalProperties: false },
          ),
          response: { 201: PersonSchema, ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId } = request.params;
        await authorize(ctx.db, request.actor, 'people:manage', { orgId, resourceId: request.body.resourceId ?? null });
        return reply.status(201).send(presentPerson(await createPerson(ctx, orgId, request.body)));
      },
    );

    // text/csv is accepted by this route only, and only text/csv: the parsers are scoped to this plugin.
    await app.register(async (csvScope) => {
      csvScope.removeAllContentTypeParsers();
      csvScope.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: CSV_BODY_LIMIT }, (_request, body, done) => {
        done(null, body);
      });
      csvScope.withTypeProvider<TypeBoxTypeProvider>().post(
        '/api/v1/orgs/:orgId/people/import',
        {
          bodyLimit: CSV_BODY_LIMIT,
          schema: {
            tags: ['people'],
            summary: 'Import people from CSV (header firstName,lastName,email,title; up to 50,000 rows), upserting by email',
            consumes: ['text/csv'],
            params: OrgParams,
            body: Type.String(),
            response: {
              200: Type.Object({
                created: Type.Integer(),
                updated: Type.Integer(),
                errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
              }),
              ...Errors,
              413: ErrorSchema,
              415: ErrorSchema,
            },
          },
        },
        async (request) => {
          const { orgId } = request.params;
          await authorize(ctx.db, request.actor, 'people:manage', { orgId });
          return importPeople(ctx, orgId, request.body);
        },
      );
    });

    const scoped = async (actor: Parameters<typeof requireStanding>[1], orgId: string, personId: string, permission: string) => {
      await requireStanding(ctx.db, actor, orgId);
      const person = await getPerson(ctx, orgId, personId);
      return { actor: await authorize(ctx.db, actor, permission, { orgId, resourceId: person.resource_id }), person };
    };

    app.get(
      '/api/v1/orgs/:orgId/people/:personId',
      { schema: { tags: ['people'], summary: 'One person', params: PersonParams, response: { 200: PersonSchema, ...Errors } } },
      async (request) => {
        const { orgId, personId } = request.params;
        const { person } = await scoped(request.actor, orgId, personId, 'people:read');
        return presentPerson(person);
      },
    );

    app.patch(
      '/api/v1/orgs/:orgId/people/:personId',
      {
        schema: {
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
          response: { 200: PersonSchema, ...Errors },
        },
      },
      async (request) => {
        const { orgId, personId } = request.params;
        const { actor } = await scoped(request.actor, orgId, personId, 'people:manage');
        const { resourceId } = request.body;
        // Moving a person to another resource needs the permission there too.
        if (resourceId !== undefined) await authorize(ctx.db, actor, 'people:manage', { orgId, resourceId });
        return presentPerson(await updatePerson(ctx, actor, orgId, personId, request.body));
      },
    );

    app.delete(
      '/api/v1/orgs/:orgId/people/:personId',
      {
        schema: {
          tags: ['people'],
          summary: 'Remove a person from the directory (their invitations stay, unlinked)',
          params: PersonParams,
          response: { 204: Type.Null(), ...Errors },
        },
      },
      async (request, reply) => {
        const { orgId, personId } = request.params;
        await scoped(request.actor, orgId, personId, 'people:manage');
        await deletePerson(ctx, orgId, personId);
        return reply.status(204).send(null);
      },
    );
  };
}
