/**
 * The inviter's routes (docs/http-api.md, "Invitations (the inviter's side)"): schema -> authenticate ->
 * policy -> one service call -> presenter. A create and the list are authorized at the scope
 * they name (the body's or the query's resource); a route on one invitation lets in anyone with
 * standing in the org, and its service authorizes at the invitation's own scope, as the bulk
 * create does item by item. Create, edit and resend keep their grantability checks in the service.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { AppContext } from '../context.js';
import { AppError, type ErrorCode } from '../errors.js';
import { presentEvent } from '../events/event.repository.js';
import { validationDetails } from '../http/errors.plugin.js';
import { jsonInputProblem, MAX_BODY_DEPTH } from '../http/json-input.js';
import { router } from '../http/route.js';
import { OrgParams } from '../http/schemas.js';
import { InvitationSchema, presentInvitation } from './invitation.presenter.js';
import {
  BULK_MAX,
  BulkAnswer,
  BulkBody,
  CreateInvitationBody,
  InvitationPage,
  InvitationParams,
  PersonInvitationParams,
  InvitationPreviewComponent,
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
  getPersonInvitation,
  listInvitations,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
} from './invitation.service.js';

const TAGS = ['invitations'];
/** What a create can refuse, as a whole request or as one item of a bulk request. */
const CREATE_ERRORS: readonly ErrorCode[] = [
  'INVALID_EMAIL',
  'EXPIRY_OUT_OF_RANGE',
  'METADATA_TOO_LARGE',
  'RESOURCE_NOT_FOUND',
  'PERSON_NOT_FOUND',
  'ROLE_NOT_FOUND',
  'ROLE_NOT_GRANTABLE',
  'ALREADY_MEMBER',
  'INVITATION_QUOTA_EXCEEDED',
  'CONFLICT',
  'APP_NOT_FOUND',
  'RETURN_TO_NOT_ALLOWED',
];
/** A route on one invitation: unknown here, or not permitted at its scope. */
const ONE_ERRORS: readonly ErrorCode[] = ['INVITATION_NOT_FOUND', 'FORBIDDEN'];
/** What may stop a new link from going out (resend, email correction). */
const NEW_LINK_ERRORS: readonly ErrorCode[] = ['ROLE_NOT_FOUND', 'ROLE_NOT_GRANTABLE', 'INVITATION_DUPLICATE', 'ALREADY_MEMBER', 'RESEND_TOO_SOON'];
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
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/invitations',
      widget: true,
      tags: TAGS,
      summary: 'Invite someone by email, org-wide or to one resource',
      description: '201 with the new invitation; 200 with the live one when the email already has a pending invitation at that scope.',
      params: OrgParams,
      body: CreateInvitationBody,
      response: { 200: InvitationSchema, 201: InvitationSchema },
      errors: CREATE_ERRORS,
      auth: { permission: 'invitations:manage', resourceIdFrom: 'body' },
      handler: async (request, reply, actor, grants) => {
        const { row, created } = await createInvitation(ctx, actor, grants, request.body);
        return reply.status(created ? 201 : 200).send(presentInvitation(row));
      },
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/invitations/preview',
      widget: true,
      tags: TAGS,
      summary: 'The email a create of this body would send, without sending it or writing anything',
      description:
        'The create’s body, permission and checks, with the same error codes (R90); 200 with the rendered email, whose accept link is an inert placeholder without a token and which has no tracking pixel.',
      params: OrgParams,
      body: CreateInvitationBody,
      response: { 200: InvitationPreviewComponent.ref },
      // The create's refusals before its write; the write's own (quota, a raced insert) cannot happen.
      errors: CREATE_ERRORS.filter((code) => code !== 'INVITATION_QUOTA_EXCEEDED' && code !== 'CONFLICT'),
      auth: { permission: 'invitations:manage', resourceIdFrom: 'body' },
      handler: async (request, _reply, actor, grants) => previewInvitation(ctx, actor, grants, request.body),
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/invitations/bulk',
      tags: TAGS,
      summary: 'Invite up to 1,000 people in one request; each item is answered on its own',
      params: OrgParams,
      body: BulkBody,
      response: { 200: BulkAnswer },
      // The whole request: too many items, or a caller who may invite nowhere in the org. Each
      // item is authorized at its own scope and answered on its own.
      errors: ['BULK_TOO_LARGE', 'FORBIDDEN'],
      auth: 'orgMember',
      // The whole-body check of JSON input is skipped here: each item is checked on its own below.
      options: { bodyLimit: BULK_BODY_LIMIT, config: { bodyItemsCheckedAlone: true } },
      handler: async (request, _reply, actor, grants) => {
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
        const outcomes = await createInvitations(ctx, actor, grants, valid);
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
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/invitations',
      widget: true,
      tags: TAGS,
      summary: 'List invitations, newest first (filters: status, email, personId, resourceId, q)',
      params: OrgParams,
      query: ListInvitationsQuery,
      response: { 200: InvitationPage },
      errors: ['INVALID_CURSOR'],
      auth: { permission: 'invitations:read', resourceIdFrom: 'query' },
      handler: async (request) => {
        const page = await listInvitations(ctx, request.params.orgId, request.query);
        return { items: page.items.map(presentInvitation), nextCursor: page.nextCursor };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/invitations/:id',
      widget: true,
      tags: TAGS,
      summary: 'One invitation with its event timeline',
      params: InvitationParams,
      response: { 200: InvitationWithEvents },
      errors: ONE_ERRORS,
      auth: 'orgMember',
      handler: async (request, _reply, actor, grants) => {
        const { row, events } = await getInvitation(ctx, actor, grants, request.params.id);
        return { ...presentInvitation(row), events: events.map(presentEvent) };
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/orgs/:orgId/people/:personId/invitation',
      tags: TAGS,
      summary: "A person's latest invitation with its event timeline",
      description:
        "The invitation `latestInvitationId` names, so a person's page asks for it beside the person (docs/rules.md R92). `invitations:read` is checked at the person's scope and again at the invitation's; 404 `INVITATION_NOT_FOUND` when the person was never invited.",
      params: PersonInvitationParams,
      response: { 200: InvitationWithEvents },
      errors: ['PERSON_NOT_FOUND', ...ONE_ERRORS],
      auth: 'orgMember',
      handler: async (request, _reply, actor, grants) => {
        const { row, events } = await getPersonInvitation(ctx, actor, grants, request.params.personId);
        return { ...presentInvitation(row), events: events.map(presentEvent) };
      },
    });

    route({
      method: 'PATCH',
      url: '/api/v1/orgs/:orgId/invitations/:id',
      widget: true,
      tags: TAGS,
      summary: 'Edit a pending invitation in place, or correct its email (a new link goes to the new address)',
      description:
        'The caller must be able to grant the invitation’s current role at its current scope, and the new role at the new scope (403 ROLE_NOT_GRANTABLE). ' +
        'Past its expiry the invitation is expired on the spot and the answer is 409 INVITATION_NOT_PENDING. ' +
        'An email correction sends a new link: it counts in the hourly quota (429 INVITATION_QUOTA_EXCEEDED) and waits out the resend cooldown (429 RESEND_TOO_SOON).',
      params: InvitationParams,
      body: PatchInvitationBody,
      response: { 200: InvitationSchema },
      errors: [
        ...ONE_ERRORS,
        ...NEW_LINK_ERRORS,
        'INVITATION_NOT_PENDING',
        'INVALID_EMAIL',
        'EXPIRY_OUT_OF_RANGE',
        'RESOURCE_NOT_FOUND',
        'INVITATION_QUOTA_EXCEEDED',
        'APP_NOT_FOUND',
        'RETURN_TO_NOT_ALLOWED',
      ],
      auth: 'orgMember',
      handler: async (request, _reply, actor, grants) => presentInvitation(await editInvitation(ctx, actor, grants, request.params.id, request.body)),
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/invitations/:id/resend',
      widget: true,
      tags: TAGS,
      summary: 'Send a new link (the old one stops working); revives expired and failed invitations',
      description: 'The caller must be able to grant the invitation’s role at its scope (403 ROLE_NOT_GRANTABLE).',
      params: InvitationParams,
      response: { 200: InvitationSchema },
      errors: [...ONE_ERRORS, ...NEW_LINK_ERRORS, 'INVITATION_NOT_PENDING'],
      auth: 'orgMember',
      handler: async (request, _reply, actor, grants) => presentInvitation(await resendInvitation(ctx, actor, grants, request.params.id)),
    });

    route({
      method: 'POST',
      url: '/api/v1/orgs/:orgId/invitations/:id/revoke',
      widget: true,
      tags: TAGS,
      summary: 'Revoke an invitation: its link stops working at once',
      params: InvitationParams,
      response: { 200: InvitationSchema },
      errors: [...ONE_ERRORS, 'INVITATION_NOT_PENDING'],
      auth: 'orgMember',
      handler: async (request, _reply, actor, grants) => presentInvitation(await revokeInvitation(ctx, actor, grants, request.params.id)),
    });

    route({
      method: 'DELETE',
      url: '/api/v1/orgs/:orgId/invitations/:id',
      tags: TAGS,
      summary: 'Delete an invitation (its events stay in the audit trail)',
      params: InvitationParams,
      response: { 204: Type.Null() },
      errors: ONE_ERRORS,
      auth: 'orgMember',
      handler: async (request, _reply, actor, grants) => {
        await deleteInvitation(ctx, actor, grants, request.params.id);
        return null;
      },
    });
  };
}
