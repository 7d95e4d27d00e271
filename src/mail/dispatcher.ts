/**
 * Email as a deliverer of the outbox: renders the queued template, asks the template's
 * `beforeSend` hook, hands the message to a MailTransport, and lets the template's hooks
 * record what follows (see mail.hooks.ts). The outbox engine claims, retries and records.
 *
 * Once an email is sent or failed for good, its payload keeps only `to`, `template` and
 * `messageId`: the link (and so an invitation token) is not kept at rest.
 */
import type { JsonObject, OutboxRow } from '../db/schema.js';
import { type Deliverer, DeliveryError } from '../outbox/deliverer.js';
import { type DispatchOptions, type DispatchResult, dispatchOutbox } from '../outbox/outbox.dispatcher.js';
import type { HookedEmail, MailContext, TemplateHooks } from './mail.hooks.js';
import type { EmailContent, EmailPayload, EmailTemplateName } from './outbox.js';
import { renderEmail } from './templates/index.js';
import { classifyFailure, type MailTransport, senderOf } from './transport.js';

export type { DispatchOptions, DispatchResult } from '../outbox/outbox.dispatcher.js';

const TEMPLATES: readonly EmailTemplateName[] = ['invitation', 'renewal_request', 'verify_email', 'password_reset'];

function isTemplateName(name: unknown): name is EmailTemplateName {
  return TEMPLATES.some((template) => template === name);
}

type ParsedEmail = EmailContent & Omit<EmailPayload, 'template' | 'data'>;

function isParsedEmail(payload: JsonObject): payload is JsonObject & ParsedEmail {
  return (
    typeof payload.to === 'string' &&
    isTemplateName(payload.template) &&
    typeof payload.data === 'object' &&
    payload.data !== null &&
    !Array.isArray(payload.data)
  );
}

/** The stored email, or null when the payload was scrubbed or is not one this version knows. */
export function parseEmailPayload(payload: JsonObject): ParsedEmail | null {
  if (!isParsedEmail(payload)) return null;
  return {
    ...payload,
    senderName: typeof payload.senderName === 'string' ? payload.senderName : null,
    replyTo: typeof payload.replyTo === 'string' ? payload.replyTo : null,
  };
}

function templateOf(row: OutboxRow): EmailTemplateName | null {
  const template = row.payload.template;
  return isTemplateName(template) ? template : null;
}

function hooked(row: OutboxRow): HookedEmail {
  const data = row.payload.data;
  return {
    outboxId: row.id,
    attempts: row.attempts,
    messageId: row.message_id,
    invitationId: row.invitation_id,
    data: typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {},
  };
}

/** Email through `transport`, with the templates' hooks of this app. */
export function mailDeliverer(ctx: MailContext, transport: MailTransport): Deliverer {
  const hooksOf = (row: OutboxRow): TemplateHooks | undefined => {
    const template = templateOf(row);
    return template === null ? undefined : ctx.mailHooks.templates[template];
  };
  return {
    kind: 'email',
    keepOnDone: ['to', 'template'],
    classify: classifyFailure,
    async deliver(row) {
      const email = parseEmailPayload(row.payload);
      if (email === null) throw new DeliveryError('the outbox payload is not an email this version can render', true);
      const refusal = (await hooksOf(row)?.beforeSend?.(hooked(row))) ?? null;
      if (refusal !== null) throw new DeliveryError(refusal, true);
      const rendered = renderEmail(email);
      return transport.send({
        messageId: row.message_id,
        from: senderOf(ctx.config.mailFrom, email.senderName),
        replyTo: email.replyTo === null || email.replyTo.trim() === '' ? null : email.replyTo.trim(),
        to: email.to,
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        outboxId: row.id,
      });
    },
    onSent: {
      wants: (row) => hooksOf(row)?.afterSent !== undefined,
      async record(trx, rows, at) {
        // One call per template: a round's invitation emails are recorded together.
        const byTemplate = new Map<TemplateHooks, OutboxRow[]>();
        for (const row of rows) {
          const hooks = hooksOf(row);
          if (hooks !== undefined) byTemplate.set(hooks, [...(byTemplate.get(hooks) ?? []), row]);
        }
        for (const [hooks, group] of byTemplate) await hooks.afterSent?.(trx, group.map(hooked), at);
      },
    },
    onFailed: {
      wants: (row) => hooksOf(row)?.afterFailed !== undefined,
      async record(trx, row, failure) {
        await hooksOf(row)?.afterFailed?.(trx, hooked(row), failure);
      },
    },
    close: () => transport.close(),
  };
}

/**
 * One dispatch round: emails through `transport`, every other kind through the app's
 * registered deliverers. Tests call this directly, with a ManualClock.
 */
export async function dispatchOnce(ctx: MailContext, transport: MailTransport, options: DispatchOptions = {}): Promise<DispatchResult> {
  return dispatchOutbox(ctx, [mailDeliverer(ctx, transport)], options);
}
