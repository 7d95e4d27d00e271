/**
 * A person's access status, derived and never stored (docs/rules.md, Domain: Person). Written once, here,
 * as a SQL expression, so the directory list can compute, filter and page on it in one query,
 * and the invitations area can reuse it.
 *
 * The mapping:
 * - `registered` when the person is linked (`people.user_id`) to an `active` user who holds any
 *   grant in the person's org;
 * - otherwise from the person's latest invitation (by `created_at`, then `id`):
 *   `pending` | `sent` -> `invited`; `opened` -> `opened`; `clicked` -> `clicked`;
 *   `accepted` -> `registered`; `expired`, `declined`, `revoked`, `failed` -> the same name;
 * - no invitation at all -> `not_invited`.
 * An invitation in a live state whose expiry has passed counts as `expired` (the periodic sweep
 * stores that later; expiry is a time, not a stored status).
 *
 * Usage: `accessStatusExpression('p')` where `p` is the alias (or table name) of `people` in the
 * query; select it with `.select(accessStatusExpression('p').as('access_status'))` or filter with
 * `.where(accessStatusExpression('p'), '=', status)`. The latest invitation is found through the
 * index `invitations_person_idx (person_id, created_at desc)`.
 */
import { type RawBuilder, sql } from 'kysely';
import type { AccessStatus } from './person.presenter.js';


/** The id of the person's latest invitation, or null (the `latestInvitationId` of `Person`). */
export function latestInvitationIdExpression(alias: string): RawBuilder<string | null> {
  return sql<string | null>`(select li.id from invitations li
    where li.person_id = ${sql.ref(`${alias}.id`)}
    order by li.created_at desc, li.id desc limit 1)`;
}

/** An invitation's status as of `now`: a live one past its expiry is `expired`. */
export function effectiveStatus(alias: string, now: Date): RawBuilder<string> {
  return sql<string>`(case when ${sql.ref(`${alias}.status`)} in ('pending', 'sent', 'opened', 'clicked')
    and ${sql.ref(`${alias}.expires_at`)} <= ${now} then 'expired' else ${sql.ref(`${alias}.status`)} end)`;
}

/** The invitation part of the mapping, over a plain status column (null: no invitation). */
function mapInvitationStatus(status: RawBuilder<unknown>): RawBuilder<string | null> {
  return sql<string | null>`(case ${status}
    when 'pending' then 'invited'
    when 'sent' then 'invited'
    when 'accepted' then 'registered'
    else ${status} end)`;
}

/**
 * The person's AccessStatus as a SQL expression over the `people` row at `alias`.
 *
 * `latest` optionally names a lateral join that already selected the person's latest invitation
 * (`id`, `status`; see person.repository.ts); the list query uses it so the invitation is looked
 * up once per row (that join selects the status as of now, see effectiveStatus). Without it, the
 * latest invitation is a correlated subquery, so the expression works in any query over `people`;
 * give it `now` so a past-expiry invitation counts as expired.
 */
export function accessStatusExpression(alias: string, latest?: string, now?: Date): RawBuilder<AccessStatus> {
  const person = (column: string) => sql.ref(`${alias}.${column}`);
  const fromInvitation =
    latest === undefined
      ? sql`(select ${mapInvitationStatus(now === undefined ? sql.ref('li.status') : effectiveStatus('li', now))} from invitations li
          where li.person_id = ${person('id')} order by li.created_at desc, li.id desc limit 1)`
      : mapInvitationStatus(sql.ref(`${latest}.status`));
  return sql<AccessStatus>`(case
    when ${person('user_id')} is not null and exists (
      select 1 from users au join grants ag on ag.user_id = au.id
      where au.id = ${person('user_id')} and au.status = 'active' and ag.org_id = ${person('org_id')}
    ) then 'registered'
    else coalesce(${fromInvitation}, 'not_invited')
  end)`;
}
