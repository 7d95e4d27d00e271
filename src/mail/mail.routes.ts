/**
 * Mail routes: the open-tracking pixel (GET /t/:trackingId.gif) and, in dev-mailbox mode
 * only, GET /api/v1/dev/mailbox for instance admins.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../errors.js';
import { router } from '../http/route.js';
import { component, ListQuery, Page, Timestamp } from '../http/schemas.js';
import type { MailContext } from './mail.hooks.js';
import { listDevMailbox } from './mailbox.service.js';
import { recordOpen } from './tracking.service.js';

/** The smallest transparent GIF (43 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

export const MailboxMessageComponent = component(
  'MailboxMessage',
  Type.Object({
    id: Type.String({ format: 'uuid' }),
    messageId: Type.String(),
    /** `Name <address>`: the org's sender name, if set, with MAIL_FROM's address. */
    from: Type.String(),
    replyTo: Type.Union([Type.String(), Type.Null()]),
    to: Type.String(),
    subject: Type.String(),
    text: Type.String(),
    html: Type.String(),
    sentAt: Timestamp,
  }),
);

export function mailRoutes(ctx: MailContext) {
  return async (app: FastifyInstance) => {
    const route = router(app, ctx);

    route({
      method: 'GET',
      url: '/t/:trackingId.gif',
      tags: ['tracking'],
      summary: 'Open-tracking pixel of an invitation email: always a 1×1 GIF',
      params: Type.Object({ trackingId: Type.String({ minLength: 1, maxLength: 200 }) }),
      response: {},
      errors: [],
      auth: 'public',
      handler: async (request, reply) => {
        try {
          // Fastify answers HEAD from this route too; a HEAD is a scanner, not a mail client showing the image.
          if (request.method === 'GET') await recordOpen(ctx, request.params.trackingId);
        } catch (error) {
          // The pixel never fails: an answer that differed would be an oracle, and a lost
          // weak signal costs nothing.
          request.log.warn({ err: error }, 'recording an open failed');
        }
        return reply
          .header('cache-control', 'no-store, no-cache, must-revalidate, max-age=0')
          .header('pragma', 'no-cache')
          .header('referrer-policy', 'no-referrer')
          .type('image/gif')
          .send(PIXEL_GIF);
      },
    });

    route({
      method: 'GET',
      url: '/api/v1/dev/mailbox',
      tags: ['operations'],
      summary: 'Emails the dev mailbox received (only when SMTP_URL is unset; instance admins)',
      query: Type.Object({ ...ListQuery, to: Type.Optional(Type.String({ maxLength: 320 })) }, { additionalProperties: false }),
      response: { 200: Page(MailboxMessageComponent.ref) },
      errors: ['MAILBOX_DISABLED', 'INVALID_CURSOR'],
      auth: 'instanceAdmin',
      handler: async (request) => {
        if (ctx.config.smtpUrl !== null) throw new AppError('MAILBOX_DISABLED');
        return listDevMailbox(ctx, {
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor ?? null,
          to: request.query.to ?? null,
        });
      },
    });
  };
}
