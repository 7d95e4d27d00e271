/**
 * The part of oidc-provider's API Gatehouse uses (the package ships no types and the
 * DefinitelyTyped ones are not installed).
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type AdapterPayload = Record<string, unknown> & {
    accountId?: string;
    grantId?: string;
    uid?: string;
    userCode?: string;
    consumed?: number;
  };

  export interface Adapter {
    upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
    find(id: string): Promise<AdapterPayload | undefined>;
    findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
    findByUid(uid: string): Promise<AdapterPayload | undefined>;
    consume(id: string): Promise<void>;
    destroy(id: string): Promise<void>;
    revokeByGrantId(grantId: string): Promise<void>;
  }

  export interface ClientInstance {
    clientId: string;
    clientAuthMethod: string;
    redirectUris: string[];
    clientName?: string;
    metadata(): Record<string, unknown>;
    [key: string]: unknown;
  }

  export interface GrantInstance {
    jti: string;
    accountId: string;
    clientId: string;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    getOIDCScope(): string;
    save(): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface InteractionInstance {
    uid: string;
    jti: string;
    iat: number;
    exp: number;
    returnTo: string;
    params: Record<string, unknown> & { client_id: string; scope?: string; redirect_uri?: string };
    prompt: { name: string; reasons: string[]; details: Record<string, unknown> };
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    result?: Record<string, unknown>;
    save(ttl: number): Promise<string>;
    destroy(): Promise<void>;
  }

  export interface TokenInstance {
    kind?: string;
    resource?: string | string[];
    accountId: string;
    clientId: string;
    grantId?: string;
    scope?: string;
    extra?: Record<string, unknown>;
  }

  export interface KoaContextWithOIDC {
    oidc: {
      client?: ClientInstance;
      session?: { accountId?: string; grantIdFor(clientId: string): string | undefined };
      params?: Record<string, unknown>;
      result?: Record<string, unknown>;
      requestParamScopes: Set<string>;
      entities: { AuthorizationCode?: TokenInstance; RefreshToken?: TokenInstance };
      route: string;
      provider: Provider;
    };
    host: string;
    href: string;
  }

  export interface Account {
    accountId: string;
    claims(use: string, scope: string, claims: unknown, rejected: string[]): Promise<Record<string, unknown>>;
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    Interaction: { find(uid: string): Promise<InteractionInstance | undefined> };
    Grant: (new (properties: { accountId: string; clientId: string }) => GrantInstance) & { find(id: string): Promise<GrantInstance | undefined> };
    Client: { find(id: string): Promise<ClientInstance | undefined>; prototype: { compareClientSecret(actual: string): Promise<boolean> | boolean } };
    Session: { find(id: string): Promise<unknown> };
  }

  export const interactionPolicy: {
    base(): { get(name: string): { checks: { add(check: unknown): void } } | undefined };
    Check: new (reason: string, description: string, check: (ctx: KoaContextWithOIDC) => boolean | Promise<boolean>) => unknown;
  };

  export default Provider;
  export const errors: {
    InvalidGrant: new (description?: string) => Error;
    InvalidTarget: new (description?: string) => Error;
  } & Record<string, new (...args: unknown[]) => Error>;
}
