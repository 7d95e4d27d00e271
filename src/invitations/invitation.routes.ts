/**
 * The inviter's routes (docs/http-api.md, "Invitations (the inviter's side)"): schema -> authenticate -> one
 * service call (which authorizes at the invitation's scope) -> presenter.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { requireActor } from '../auth/actor.js';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { presentEvent } from '../events/event.repository.js';
import { validationDetails } from '../http/errors.plugin.js';
import { jsonInputProblem, MAX_BODY_DEPTH } from '../http/json-input.js';
import { ErrorSchema, OrgParams } from '../http/schemas.js';
import { InvitationSchema, presentInvitation } from './invitation.presenter.js';
import {
  BULK_MAX,
  BulkAnswer,
  BulkBody,
  CreateInvitationBody,
  InvitationPage,
  InvitationParams,
  InvitationWithEvents,
  ListInvitationsQuery,
  PatchInvitationBody,
} from './invitation.schema.js';
import {
  createInvitation,
  createInvitations,
  deleteInvitation,
  editInvitation,
  getInvitation,
  listInvitations,
  resendInvitation,
  revokeInvitation,
} from './invitation.service.js';

const TAGS = ['invitations'];
const errors = { 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema, 429: ErrorSchema };
/** 1,000 items of up to 2,000 characters of message and 4 KB of metadata each. */
const BULK_BODY_LIMIT = 8 * 1024 * 1024;
const itemValidator = Compile(CreateInvitationBody);

function presentError(error: AppError) {
  return { code: error.code, message: error.message, details: [...error.details] };
}

/** Why one bulk item fails the single-create schema. */
function itemError(item: unknown): AppError {
  const issues = [...itemValidator.Errors(item)].filter((issue) => issue.keyword !== 'boolean');
  return new AppError('VALIDATION_FAILED', { details: validationDetails(issues, 'body') });
}

export function invitationRoutes(ctx: AppContext) {
  return async (root: FastifyInstance) => {
    const app = root.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/api/v1/orgs/:orgId/invitations',
      {
        schema: {
          tags: TAGS,
          summary: 'Invite someone by email, org-wide or to one resource',
          description:
            '201 with the new invitation; 200 with the live one when the email already has a pending invitation at that scope.',
          params: OrgParams,
          body: CreateInvitationBody,
          response: { 200: InvitationSchema, 201: InvitationSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { row, created } = await createInvitation(ctx, requireActor(request), request.params.orgId, request.body);
        return reply.status(created ? 201 : 200).send(presentInvitation(row));
      },
    );

    app.post(
      '/api/v1/orgs/:orgId/invitations/bulk',
      {
        bodyLimit: BULK_BODY_LIMIT,
        config: { bodyItemsCheckedAlone: true },
        schema: {
          tags: TAGS,
          summary: 'Invite up to 1,000 people in one request; each item is answered on its own',
          params: OrgParams,
          body: BulkBody,
          response: { 200: BulkAnswer, ...errors },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const items = request.body.invitations;
        if (items.length > BULK_MAX) throw new AppError('BULK_TOO_LARGE');
        const valid: CreateInvitationBody[] = [];
        const validIndex: number[] = [];
        const results: Record<number, ReturnType<typeof presentError>> = {};
        for (const [index, item] of items.entries()) {
          // Checked here rather than for the whole body, so one bad item fails alone.
          const problem = jsonInputProblem(item, MAX_BODY_DEPTH - 2);
          if (problem !== null) results[index] = presentError(new AppError('VALIDATION_FAILED', { details: [problem] }));
          else if (itemValidator.Check(item)) {
            valid.push(item);
            validIndex.push(index);
          } else results[index] = presentError(itemError(item));
        }
        const outcomes = await createInvitations(ctx, actor, request.params.orgId, valid);
        const byIndex = new Map(outcomes.map((outcome, i) => [validIndex[i] ?? -1, outcome]));
        return {
          results: items.map((_item, index) => {
            const outcome = byIndex.get(index);
            if (outcome === undefined) return { index, ok: false, error: results[index] ?? presentError(new AppError('INTERNAL')) };
            return outcome.ok
              ? { index, ok: true, created: outcome.created, invitation: presentInvitation(outcome.row) }
              : { index, ok: false, error: presentError(outcome.error) };
          }),
        };
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/invitations',
      {
        schema: {
          tags: TAGS,
          summary: 'List invitations, newest first (filters: status, email, personId, resourceId, q)',
          params: OrgParams,
          querystring: ListInvitationsQuery,
          response: { 200: InvitationPage, ...errors },
        },
      },
      async (request) => {
        const page = await listInvitations(ctx, requireActor(request), request.params.orgId, request.query);
        return { items: page.rows.map(presentInvitation), nextCursor: page.nextCursor };
      },
    );

    app.get(
      '/api/v1/orgs/:orgId/invitations/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'One invitation with its event timeline',
          params: InvitationParams,
          response: { 200: InvitationWithEvents, ...errors },
        },
      },
      async (request) => {
        const { row, events } = await getInvitation(ctx, requireActor(request), request.params.orgId, request.params.id);
        return { ...presentInvitation(row), events: events.map(presentEvent) };
      },
    );

    app.patch(
      '/api/v1/orgs/:orgId/invitations/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'Edit a pending invitation in place, or correct its email (a new link goes to the new address)',
          description:
            'The caller must be able to grant the invitation’s current role at its current scope, and the new role at the new scope (403 ROLE_NOT_GRANTABLE). ' +
            'Past its expiry the invitation is expired on the spot and the answer is 409 INVITATION_NOT_PENDING. ' +
            'An email correction sends a new link: it counts in the hourly quota (429 INVITATION_QUOTA_EXCEEDED) and waits out the resend cooldown (429 RESEND_TOO_SOON).',
          params: InvitationParams,
          body: PatchInvitationBody,
          response: { 200: InvitationSchema, ...errors },
        },
      },
      async (request) =>
        presentInvitation(await editInvitation(ctx, requireActor(request), request.params.orgId, request.params.id, request.body)),
    );

    app.post(
      '/api/v1/orgs/:orgId/invitations/:id/resend',
      {
        schema: {
          tags: TAGS,
          summary: 'Send a new link (the old one stops working); revives expired and failed invitations',
          description: 'The caller must be able to grant the invitation’s role at its scope (403 ROLE_NOT_GRANTABLE).',
          params: InvitationParams,
          response: { 200: InvitationSchema, ...errors },
        },
      },
      async (request) => presentInvitation(await resendInvitation(ctx, requireActor(request), request.params.orgId, request.params.id)),
    );

    app.post(
      '/api/v1/orgs/:orgId/invitations/:id/revoke',
      {
        schema: {
          tags: TAGS,
          summary: 'Revoke an invitation: its link stops working at once',
          params: InvitationParams,
          response: { 200: InvitationSchema, ...errors },
        },
      },
      async (request) => presentInvitation(await revokeInvitation(ctx, requireActor(request), request.params.orgId, request.params.id)),
    );

    app.delete(
      '/api/v1/orgs/:orgId/invitations/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'Delete an invitation (its events stay in the audit trail)',
          params: InvitationParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        await deleteInvitation(ctx, requireActor(request), request.params.orgId, request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
