/**
 * To the inviter: an invitee followed an expired link and asked for a new one.
 */
import type { RenewalRequestEmailData } from '../outbox.js';
import { button, escapeHtml, layout, oneLine, paragraph, type RenderedEmail, subjectLine } from './layout.js';

export function renderRenewalRequest(data: RenewalRequestEmailData): RenderedEmail {
  const invitee = oneLine(data.inviteeEmail);
  const org = oneLine(data.orgName);
  const lead = `${invitee} followed an expired invitation to ${org} and asked for a new one.`;
  const text = [
    `Hello ${oneLine(data.inviterName)},`,
    '',
    lead,
    '',
    'You can resend the invitation here:',
    data.consoleLink,
    '',
    'If you no longer want to invite them, you can ignore this email.',
    '',
  ].join('\n');
  const body = [
    paragraph(escapeHtml(`Hello ${oneLine(data.inviterName)},`)),
    paragraph(escapeHtml(lead)),
    button(data.consoleLink, 'Review the invitation'),
    paragraph('If you no longer want to invite them, you can ignore this email.'),
  ].join('\n');
  const subject = subjectLine(`${invitee} asked for a new invitation to ${org}`);
  return {
    subject,
    text,
    html: layout({ title: subject, preheader: lead, body }),
  };
}
