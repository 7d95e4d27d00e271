/**
 * OpenID Connect test helpers: the app listening on a free port with PUBLIC_URL set to it (the
 * issuer must be the address the relying party reaches), openid-client as the relying party,
 * and a tiny browser (a cookie jar that follows redirects by hand) for the authorization step.
 */
import * as oidc from 'openid-client';
import { testApp, type TestApp } from './app.js';
import type { TestDatabase } from './database.js';
import { createOrg, createUser, grant, signIn } from './fixtures.js';
import { freePort } from './net.js';

export { freePort };

export interface ListeningApp extends TestApp {
  readonly baseUrl: string;
  readonly issuer: string;
}

export async function listeningApp(env: Record<string, string> = {}, options: { port?: number; database?: TestDatabase } = {}): Promise<ListeningApp> {
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${String(port)}`;
  const t = await testApp({ PUBLIC_URL: baseUrl, ...env }, options.database === undefined ? {} : { database: options.database });
  await t.app.listen({ port, host: '127.0.0.1' });
  return Object.assign(t, { baseUrl, issuer: `${baseUrl}/oidc` });
}

/** A listening app with one org and that org's admin, signed in: what an OpenID test file starts from. */
export interface ListeningOrg {
  readonly t: ListeningApp;
  readonly orgId: string;
  readonly adminCookie: string;
}

export async function listeningOrg(orgName: string): Promise<ListeningOrg> {
  const t = await listeningApp();
  const orgId = (await createOrg(t, orgName)).id;
  const admin = await createUser(t);
  await grant(t, admin.id, orgId, 'admin');
  return { t, orgId, adminCookie: await signIn(t, admin.email) };
}

/** Registers an app through the API as the org's admin (cookie). */
export async function registerApp(
  t: TestApp,
  cookie: string,
  orgId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; clientId: string; clientSecret?: string; redirectUris: string[] }> {
  const res = await t.inject({
    method: 'POST',
    url: `/api/v1/orgs/${orgId}/apps`,
    headers: { cookie },
    payload: { name: 'Clinic App', type: 'confidential', redirectUris: ['http://localhost:4000/callback'], firstParty: true, ...body },
  });
  if (res.statusCode !== 201) throw new Error(`app create failed: ${String(res.statusCode)} ${res.body}`);
  return res.json();
}

/** openid-client discovering the provider at `at.issuer` for `app` (a public app has no secret). */
export async function relyingParty(at: { issuer: string }, app: { clientId: string; clientSecret?: string }): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(at.issuer),
    app.clientId,
    app.clientSecret === undefined ? {} : { client_secret: app.clientSecret },
    app.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(app.clientSecret),
    // The test server is plain http on 127.0.0.1.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    { execute: [oidc.allowInsecureRequests] },
  );
}

/** A browser: cookies by name (one host), redirects followed by hand, every step recorded. */
export class Browser {
  readonly cookies = new Map<string, string>();
  readonly visited: string[] = [];

  constructor(gatehouseCookie?: string) {
    if (gatehouseCookie !== undefined) {
      const [name, value] = gatehouseCookie.split('=');
      if (name !== undefined && value !== undefined) this.cookies.set(name, value);
    }
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (pair === undefined || at < 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.remember(res);
    return res;
  }

  /** Follows redirects from `url` until one leaves for `stopAt` (returned) or a page answers (its Response). */
  async follow(url: string, stopAt: string): Promise<{ location: string | null; page: Response | null }> {
    let next = url;
    for (let hop = 0; hop < 20; hop += 1) {
      this.visited.push(next);
      const res = await this.request(next);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || location === null) return { location: null, page: res };
      const target = new URL(location, next).href;
      if (target.startsWith(stopAt)) return { location: target, page: null };
      next = target;
    }
    throw new Error('too many redirects');
  }
}

export interface Started {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function startAuthorization(config: oidc.Configuration, params: Record<string, string> = {}): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const scope = params.scope ?? 'openid profile email gatehouse offline_access';
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://localhost:4000/callback',
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    // offline_access (a refresh token) is honoured only with prompt=consent (OpenID Connect Core 11).
    ...(scope.split(' ').includes('offline_access') ? { prompt: 'consent' } : {}),
    ...params,
  });
  return { url, verifier, state, nonce };
}

/** A whole silent sign-in for a signed-in browser: the callback URL with its code. */
export async function signInThrough(browser: Browser, started: Started, redirectUri = 'http://localhost:4000/callback'): Promise<URL> {
  const { location, page } = await browser.follow(started.url.href, redirectUri);
  if (location === null) throw new Error(`stopped at a page (${String(page?.status)}): ${browser.visited.join(' -> ')}`);
  return new URL(location);
}
