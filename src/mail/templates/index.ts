/**
 * renderEmail: one template per email, chosen by the outbox payload's template name. Each
 * returns `{ subject, text, html }`.
 */
import type { EmailContent } from '../outbox.js';
import { renderPasswordReset, renderVerifyEmail } from './account-links.js';
import { renderInvitation } from './invitation.js';
import type { RenderedEmail } from './layout.js';
import { renderRenewalRequest } from './renewal-request.js';

export type { RenderedEmail } from './layout.js';

export function renderEmail(content: EmailContent): RenderedEmail {
  switch (content.template) {
    case 'invitation':
      return renderInvitation(content.data);
    case 'renewal_request':
      return renderRenewalRequest(content.data);
    case 'verify_email':
      return renderVerifyEmail(content.data);
    case 'password_reset':
      return renderPasswordReset(content.data);
  }
}
