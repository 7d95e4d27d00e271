/**
 * An audit event as a sentence a person reads: "Ana Ruiz invited bob@x.com as Manager at Clinic
 * North". The sentence is a list of parts so the page can make the names into filters.
 */
import type { EventType } from './catalog';
import { resourceName, roleName } from './org';

export interface AuditEventLike {
  type: string;
  actor: { type: string; id: string | null; name: string | null };
  subject: { name: string | null; email: string | null };
  data: Record<string, unknown>;
  userId?: string | null;
}

export type SentencePart = { text: string } | { who: 'actor' | 'subject'; text: string };

/** A name for whom the event concerns: their name, else their address, else a neutral word. */
function subjectName(e: AuditEventLike): string {
  return e.subject.name ?? e.subject.email ?? 'someone';
}

function actorName(e: AuditEventLike): string {
  if (e.actor.type === 'system') return 'Gatehouse';
  return e.actor.name ?? (e.actor.type === 'api_key' ? 'An API key' : 'Someone');
}

/** " as Manager at Clinic North", from the event's role and location, when it names them. */
function asRoleAt(data: Record<string, unknown>): string {
  const role = typeof data.role === 'string' ? ` as ${roleName(data.role)}` : '';
  const at = typeof data.resourceId === 'string' ? ` at ${resourceName(data.resourceId)}` : '';
  return role + at;
}

type Template = (a: SentencePart, s: SentencePart, e: AuditEventLike) => SentencePart[];

const t = (text: string): SentencePart => ({ text });

/** Keyed by the server's list of types, so a new type fails the build until it has a sentence. */
const SENTENCES: Record<EventType, Template> = {
  'invitation.created': (a, s, e) => [a, t(' invited '), s, t(asRoleAt(e.data))],
  'invitation.updated': (a, s) => [a, t(' edited the invitation of '), s],
  'invitation.sent': (_a, s) => [t('The invitation email to '), s, t(' reached the mail server')],
  'invitation.delivery_failed': (_a, s) => [t('The invitation email to '), s, t(' could not be delivered')],
  'invitation.opened': (_a, s) => [s, t(' opened the invitation email')],
  'invitation.visited': (_a, s) => [s, t(' visited the invitation link')],
  'invitation.clicked': (_a, s) => [s, t(' opened the invitation page')],
  'invitation.resent': (a, s) => [a, t(' resent the invitation to '), s],
  'invitation.reminded': (_a, s) => [t('A reminder went to '), s],
  'invitation.revoked': (a, s) => [a, t(' revoked the invitation of '), s],
  'invitation.expired': (_a, s) => [t('The invitation of '), s, t(' expired')],
  'invitation.accepted': (_a, s, e) => [s, t(` accepted the invitation${asRoleAt(e.data)}`)],
  'invitation.declined': (_a, s) => [s, t(' declined the invitation')],
  'invitation.deleted': (a, s) => [a, t(' deleted the invitation of '), s],
  'invitation.renewal_requested': (_a, s) => [s, t(' asked for a new link')],
  'user.invited': (_a, s) => [t('An account was created for '), s],
  'user.registered': (_a, s) => [s, t(' registered')],
  'user.verified': (_a, s) => [s, t(' verified their email address')],
  'user.deleted': (_a, s) => [t('The account of '), s, t(' was deleted')],
  // An accept grants the access the invitee's own acting: "Ana Ruiz joined as Member at …".
  'membership.granted': (a, s, e) =>
    e.actor.id !== null && e.actor.id === e.userId ? [s, t(` joined${asRoleAt(e.data)}`)] : [a, t(' gave '), s, t(` access${asRoleAt(e.data)}`)],
  'membership.changed': (a, s, e) => [
    a,
    t(' changed the role of '),
    s,
    t(asRoleAt(e.data).replace(/^ as /, ' to ') + (typeof e.data.previousRole === 'string' ? ` (was ${roleName(e.data.previousRole)})` : '')),
  ],
  'membership.removed': (a, s, e) => [a, t(' removed the access of '), s, t(typeof e.data.resourceId === 'string' ? ` at ${resourceName(e.data.resourceId)}` : '')],
  'person.linked': (_a, s) => [s, t(' was linked to their account')],
  'person.unlinked': (_a, s) => [s, t(' was unlinked from their account')],
  'user.tokens_revoked': (a, s) => [a, t(' signed '), s, t(' out of every app')],
  'user.disabled': (a, s) => [a, t(' disabled the account of '), s],
  'user.enabled': (a, s) => [a, t(' enabled the account of '), s, t(' again')],
  'widget.token_issued': (a, s) => [a, t(' let an embedded panel act for '), s],
};

export function sentence(e: AuditEventLike): SentencePart[] {
  const actor: SentencePart = (e.actor.type === 'user' || e.actor.type === 'api_key') && e.actor.id !== null ? { who: 'actor', text: actorName(e) } : t(actorName(e));
  const subject: SentencePart = e.subject.email !== null ? { who: 'subject', text: subjectName(e) } : t(subjectName(e));
  const template = (SENTENCES as Record<string, Template | undefined>)[e.type];
  return template === undefined ? [actor, t(` · ${e.type} · `), subject] : template(actor, subject, e).filter((p) => p.text !== '');
}

/** The sentence as plain text (tests, titles). */
export function sentenceText(e: AuditEventLike): string {
  return sentence(e)
    .map((p) => p.text)
    .join('');
}
