/**
 * Account emails that carry a one-time link: sign-up verification and password reset.
 */
import type { AccountLinkEmailData, VerifyEmailData } from '../outbox.js';
import { button, escapeHtml, layout, oneLine, paragraph, type RenderedEmail, small } from './layout.js';

function greeting(firstName: string): string {
  return firstName.trim() === '' ? 'Hello,' : `Hello ${oneLine(firstName)},`;
}

/** Fixed words around the link: the sign-up's names stay out of a mail to an unproved address. */
export function renderVerifyEmail(data: VerifyEmailData): RenderedEmail {
  const lead = 'Confirm your email address to finish creating your Gatehouse account.';
  const ignore = 'If you did not sign up, you can ignore this email; no account will be activated.';
  return {
    subject: 'Confirm your email address',
    text: ['Hello,', '', lead, '', data.link, '', ignore, ''].join('\n'),
    html: layout({
      title: 'Confirm your email address',
      preheader: lead,
      body: [
        paragraph('Hello,'),
        paragraph(lead),
        button(data.link, 'Confirm my email'),
        small(ignore),
      ].join('\n'),
    }),
  };
}

export function renderPasswordReset(data: AccountLinkEmailData): RenderedEmail {
  const lead = 'Someone asked to reset the password of your Gatehouse account. Choose a new password with this link:';
  const ignore = 'If it was not you, ignore this email: your password stays as it is.';
  return {
    subject: 'Reset your password',
    text: [greeting(data.firstName), '', lead, '', data.link, '', ignore, ''].join('\n'),
    html: layout({
      title: 'Reset your password',
      preheader: 'Reset your Gatehouse password',
      body: [
        paragraph(escapeHtml(greeting(data.firstName))),
        paragraph(escapeHtml(lead)),
        button(data.link, 'Choose a new password'),
        small(escapeHtml(ignore)),
      ].join('\n'),
    }),
  };
}
