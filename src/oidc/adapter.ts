/**
 * oidc-provider's storage adapter over Kysely (one table, oidc/oidc-payload.repository.ts), so
 * the provider works on PGlite and PostgreSQL alike. Clients are not stored here: the `Client`
 * model reads the apps registry. Expiry follows the wall clock, as oidc-provider's own checks do.
 */
import type { Kysely } from 'kysely';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import { findAppByClientId } from '../apps/app.repository.js';
import type { AppRow, DB, JsonObject } from '../db/schema.js';
import { consumePayload, destroyGrantPayloads, destroyPayload, findPayload, upsertPayload } from './oidc-payload.repository.js';

/** The client metadata oidc-provider sees for an app. */
export function clientMetadata(app: AppRow): AdapterPayload {
  return {
    client_id: app.client_id,
    client_name: app.name,
    // The digest stands in for the secret: the provider compares digests (oidc/provider.ts).
    ...(app.type === 'confidential' && app.client_secret_hash !== null
      ? { client_secret: app.client_secret_hash, token_endpoint_auth_method: 'client_secret_basic' }
      : { token_endpoint_auth_method: 'none' }),
    redirect_uris: app.redirect_uris,
    post_logout_redirect_uris: app.post_logout_redirect_uris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    // The app's initiate-login URI is Gatehouse's own business (where an accepted invitation lands,
    // docs/rules.md R62); the provider is not told, as it would insist on https even for localhost.
    // Read back by the provider's policies: the app's org and whether it skips consent.
    gatehouse_org_id: app.org_id,
    gatehouse_first_party: app.first_party,
  };
}

function accountOf(payload: AdapterPayload): string | null {
  if (typeof payload.accountId === 'string') return payload.accountId;
  const session = payload.session as { accountId?: unknown } | undefined;
  return typeof session?.accountId === 'string' ? session.accountId : null;
}

export function kyselyAdapter(db: Kysely<DB>) {
  return class KyselyAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') return;
      await upsertPayload(db, {
        model: this.model,
        id,
        payload: payload as JsonObject,
        grantId: payload.grantId ?? null,
        uid: payload.uid ?? null,
        userCode: payload.userCode ?? null,
        accountId: accountOf(payload),
        expiresAt: expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
      });
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') {
        const app = await findAppByClientId(db, id);
        return app === undefined ? undefined : clientMetadata(app);
      }
      const row = await findPayload(db, this.model, { id }, new Date());
      return row === undefined ? undefined : withConsumed(row);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await findPayload(db, this.model, { uid }, new Date());
      return row === undefined ? undefined : withConsumed(row);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const row = await findPayload(db, this.model, { userCode }, new Date());
      return row === undefined ? undefined : withConsumed(row);
    }

    /**
     * The provider consumes a code or refresh token after reading it and before issuing anything
     * (docs/rules.md R55): when a concurrent request consumed it first, this one ends in
     * `invalid_grant` and gets no token.
     */
    async consume(id: string): Promise<void> {
      if (!(await consumePayload(db, this.model, id, new Date()))) throw new errors.InvalidGrant(`${this.model === 'AuthorizationCode' ? 'authorization code' : 'refresh token'} already used`);
    }

    async destroy(id: string): Promise<void> {
      await destroyPayload(db, this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await destroyGrantPayloads(db, grantId);
    }
  };
}

function withConsumed(row: { payload: JsonObject; consumed_at: Date | null }): AdapterPayload {
  const payload = row.payload as AdapterPayload;
  return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) };
}
