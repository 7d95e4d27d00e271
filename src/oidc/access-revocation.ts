/**
 * Grants change, tokens follow (docs/rules.md R54): when someone loses access (a grant removed,
 * their resource deleted, their account deleted), every OpenID session, grant, code and token of
 * theirs is deleted in the same transaction, and a `user.tokens_revoked` event (audit log and
 * webhooks) is written in each org concerned. Registered in buildApp as the context's accessHooks.
 */
import type { Transaction } from 'kysely';
import type { AccessHooks } from '../context.js';
import type { DB } from '../db/schema.js';
import { appendEvent } from '../events/event.repository.js';
import { destroyAccountPayloads } from './oidc-payload.repository.js';

export function oidcAccessHooks(): AccessHooks {
  return {
    async removed(trx: Transaction<DB>, removal, now) {
      const { removed, grantIds } = await destroyAccountPayloads(trx, removal.userId);
      if (removed === 0) return;
      for (const orgId of new Set(removal.orgIds)) {
        await appendEvent(trx, {
          type: 'user.tokens_revoked',
          orgId,
          actor: removal.actor,
          userId: removal.userId,
          data: { reason: removal.reason, grants: grantIds.length },
          occurredAt: now,
        });
      }
    },
  };
}
