/**
 * The widget-token look-up behind `Authorization: Bearer ghw_…` (docs/rules.md R81): the token
 * of a digest with what the actor needs, only while its user is active and the API key that
 * minted it is not revoked. Minting and pruning belong to widgets/.
 */
import type { Kysely } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB } from '../db/schema.js';

/** The live-or-expired token of this SHA-256 digest; undefined when none, its user inactive or its key revoked. */
export async function findWidgetTokenByHash(db: Kysely<DB>, tokenHash: string) {
  // Every widget request runs this: a prepared statement.
  const query = db
    .selectFrom('widget_tokens as w')
    .innerJoin('users as u', 'u.id', 'w.user_id')
    .innerJoin('api_keys as k', 'k.id', 'w.api_key_id')
    .innerJoin('apps as a', 'a.id', 'w.app_id')
    .select([
      'w.id',
      'w.org_id',
      'w.app_id',
      'w.user_id',
      'w.resource_id',
      'w.scopes',
      'w.expires_at',
      'u.email',
      'u.first_name',
      'u.last_name',
      'a.allowed_origins',
    ])
    .where('w.token_hash', '=', tokenHash)
    .where('u.status', '=', 'active')
    .where('k.revoked_at', 'is', null);
  const [row] = (await db.executeQuery(prepared(query))).rows;
  return row;
}
