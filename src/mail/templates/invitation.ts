/**
 * The invitation email in its three kinds: the first invitation, a resend (a new link; the old
 * one no longer works) and a reminder before expiry (same link). docs/rules.md R33: the inviter's
 * message is escaped plain text quoted in the body and never in the subject.
 */
import type { InvitationEmailData } from '../outbox.js';
import {
  button,
  escapeHtml,
  layout,
  oneLine,
  paragraph,
  quoteHtml,
  quoteText,
  readableDate,
  type RenderedEmail,
  small,
  subjectLine,
} from './layout.js';

/**
 * The subject names the org only when an operator trusts it: the name of an org anyone could
 * create is the org's own text, and a subject line is where phishing puts its words. The body
 * still names it, escaped, as the inviter's text.
 */
function subjectFor(data: InvitationEmailData): string {
  if (!data.orgTrusted) {
    switch (data.kind) {
      case 'invitation':
        return 'You have been invited';
      case 'resend':
        return 'Your new invitation link';
      case 'reminder':
        return 'Reminder: your invitation expires soon';
    }
  }
  const org = oneLine(data.orgName);
  switch (data.kind) {
    case 'invitation':
      return subjectLine(`You are invited to join ${org}`);
    case 'resend':
      return subjectLine(`Your new invitation to join ${org}`);
    case 'reminder':
      return subjectLine(`Reminder: your invitation to join ${org} expires soon`);
  }
}

function scopeText(data: InvitationEmailData): string {
  const org = oneLine(data.orgName);
  const resource = data.resourceName === null ? '' : ` (${oneLine(data.resourceName)})`;
  return `${org}${resource} as ${oneLine(data.roleName)}`;
}

export function renderInvitation(data: InvitationEmailData): RenderedEmail {
  const subject = subjectFor(data);
  const greeting = data.firstName === null || data.firstName.trim() === '' ? 'Hello,' : `Hello ${oneLine(data.firstName)},`;
  const inviter = oneLine(data.inviterName);
  const expires = readableDate(data.expiresAt);
  const lead =
    data.kind === 'reminder'
      ? `${inviter} invited you to join ${scopeText(data)}. Your invitation expires on ${expires}.`
      : `${inviter} invited you to join ${scopeText(data)}.`;
  const note =
    data.kind === 'resend'
      ? 'This is a new link: any earlier invitation link no longer works.'
      : `This invitation expires on ${expires}.`;
  const hasMessage = data.message !== null && data.message.trim() !== '';

  const text = [
    greeting,
    '',
    lead,
    ...(hasMessage && data.message !== null ? ['', `${inviter} wrote:`, quoteText(data.message)] : []),
    '',
    'Accept the invitation:',
    data.link,
    '',
    note,
    'If you were not expecting this invitation, you can ignore this email.',
    '',
  ].join('\n');

  const body = [
    paragraph(escapeHtml(greeting)),
    paragraph(escapeHtml(lead)),
    hasMessage && data.message !== null ? `${paragraph(`${escapeHtml(inviter)} wrote:`)}${quoteHtml(data.message)}` : '',
    button(data.link, 'Accept the invitation', data.brandColor ?? null),
    small(escapeHtml(note)),
    small('If you were not expecting this invitation, you can ignore this email.'),
  ].join('\n');

  return {
    subject,
    text,
    html: layout({
      title: subject,
      preheader: lead,
      body,
      trackingPixelUrl: data.trackingPixelUrl,
      brand: { logoUrl: data.logoUrl ?? null, color: data.brandColor ?? null, name: data.orgName },
    }),
  };
}
