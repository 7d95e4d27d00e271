/**
 * POST /api/v1/dev/webhooks: the dev receiver (R93), while the dev mailbox is on. The body is
 * read as the exact text that was signed (a parsed and re-serialized body need not match its
 * signature), so this route's plugin keeps its own JSON parser.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../context.js';
import { AppError } from '../errors.js';
import { router } from '../http/route.js';
import { DEV_RECEIVER_PATH, receiveDevWebhook } from './dev-receiver.js';

export function devReceiverRoutes(ctx: AppContext) {
  return async (app: FastifyInstance) => {
    // application/json only, kept as text: the parser is scoped to this plugin.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      if (body === '') done(new AppError('EMPTY_JSON_BODY'), undefined);
      else done(null, body);
    });
    router(app, ctx)({
      method: 'POST',
      url: DEV_RECEIVER_PATH,
      tags: ['operations'],
      summary: 'The dev webhook receiver: checks a delivery signature and answers 204 (only when SMTP_URL is unset)',
      description:
        'A webhook endpoint the service answers itself, so deliveries show without a network. The body is the delivery as signed; the Standard Webhooks headers webhook-id (a delivery to this URL), webhook-timestamp and webhook-signature are checked with the endpoint secret.',
      body: Type.Unknown({ description: 'The delivery exactly as signed: a JSON event' }),
      response: { 204: Type.Null() },
      errors: ['MAILBOX_DISABLED', 'WEBHOOK_SIGNATURE_INVALID'],
      auth: 'public',
      handler: async (request) => {
        await receiveDevWebhook(ctx, request.headers, typeof request.body === 'string' ? request.body : '');
        return null;
      },
    });
  };
}
