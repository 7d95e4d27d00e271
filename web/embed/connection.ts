/**
 * The elements' link to their Gatehouse: which server (base-url), which widget token, and who
 * that token speaks for. Every API call of the console's components goes through
 * web/src/api/api.ts; here its transport is replaced so the call goes to the Gatehouse origin
 * with `Authorization: Bearer ghw_…` and never a cookie (`credentials: 'omit'`).
 *
 * The token's session (GET /api/v1/widget/session) becomes the `session.me` the console's
 * permission helpers read (web/src/lib/can.ts): one grant, org-wide or at the token's resource,
 * holding exactly the token's scopes, so the same components hide what the token may not do
 * (the server refuses it anyway: docs/rules.md R87).
 *
 * One connection per page: the elements of a page share it (the components' org and session
 * stores are per page), so they must be given the same token or getToken.
 */
import { reactive } from 'vue';
import { api, setTransport, toApiError, unwrap } from '../src/api/api';
import type { Me } from '../src/api/types';
import { loadOrg } from '../src/lib/org';
import { session } from '../src/lib/session';

export interface WidgetSession {
  user: { id: string; email: string; name: string };
  orgId: string;
  appId: string;
  resourceId: string | null;
  /** The resource's name and kind, when the server sends them. */
  resource?: { id: string; kind: string; name: string } | null;
  scopes: string[];
  expiresAt: string;
}

/** What an element was given: a fixed token, or a function the host provides to mint a fresh one. */
export interface Credentials {
  baseUrl: string;
  token: string | null;
  getToken: (() => Promise<string>) | null;
}

/** Refresh this long before the token's expiry, so no request leaves with a token about to lapse. */
const REFRESH_AHEAD_MS = 30_000;

const link: Credentials & { expiresAt: number; refreshing: Promise<string> | null; loading: Promise<WidgetSession> | null } = {
  baseUrl: '',
  token: null,
  getToken: null,
  expiresAt: 0,
  refreshing: null,
  loading: null,
};

/** What the elements render from: the token's session once known, or why it could not be had. */
export const widget = reactive<{ session: WidgetSession | null; error: { code: string; message: string } | null }>({ session: null, error: null });

/** Listeners for failed API calls (each element turns them into its `gatehouse:error` event). */
const failureListeners = new Set<(failure: { status: number; code: string; message: string }) => void>();
export function onFailure(listener: (failure: { status: number; code: string; message: string }) => void): () => void {
  failureListeners.add(listener);
  return () => failureListeners.delete(listener);
}

async function freshToken(force: boolean): Promise<string> {
  if (link.getToken === null) {
    if (link.token === null) throw new Error('No widget token: set the token attribute or the getToken property.');
    return link.token;
  }
  if (!force && link.token !== null && link.expiresAt - Date.now() > REFRESH_AHEAD_MS) return link.token;
  const getToken = link.getToken;
  link.refreshing ??= getToken()
    .then((token) => {
      link.token = token;
      // Unknown until the session is read again; treat as fresh meanwhile.
      link.expiresAt = Number.POSITIVE_INFINITY;
      return token;
    })
    .finally(() => {
      link.refreshing = null;
    });
  const token = await link.refreshing;
  // A new token: its expiry comes from its session (read in the background, not awaited here).
  void readSession(token).then(
    (found) => {
      link.expiresAt = Date.parse(found.expiresAt);
    },
    () => undefined,
  );
  return token;
}

/** Sends one request to the Gatehouse origin with the token; once more with a fresh token if it lapsed. */
async function send(request: Request): Promise<Response> {
  const url = new URL(request.url, link.baseUrl);
  const target = new URL(url.pathname + url.search, link.baseUrl);
  const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.text();
  const attempt = async (token: string) => {
    const headers = new Headers(request.headers);
    headers.set('authorization', `Bearer ${token}`);
    return globalThis.fetch(target, { method: request.method, headers, body, credentials: 'omit', mode: 'cors', signal: request.signal });
  };
  let response = await attempt(await freshToken(false));
  if (response.status === 401 && link.getToken !== null) {
    const code = await codeOf(response.clone());
    if (code === 'WIDGET_TOKEN_INVALID') response = await attempt(await freshToken(true));
  }
  if (!response.ok) void report(response.clone());
  return response;
}

async function codeOf(response: Response): Promise<string | null> {
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code : null;
  } catch {
    return null;
  }
}

async function report(response: Response): Promise<void> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the coded error below says UNKNOWN/INTERNAL.
  }
  const error = toApiError(response.status, body);
  // The console's components also try what a widget may not read (the org record, its resource
  // list); they do without it, and the host has nothing to do about it.
  if (error.code === 'WIDGET_ROUTE_REFUSED') return;
  for (const listener of failureListeners) listener({ status: response.status, code: error.code, message: error.message });
}

async function readSession(token: string): Promise<WidgetSession> {
  const response = await globalThis.fetch(new URL('/api/v1/widget/session', link.baseUrl), {
    headers: { authorization: `Bearer ${token}` },
    credentials: 'omit',
    mode: 'cors',
  });
  if (!response.ok) throw toApiError(response.status, await response.json().catch(() => null));
  return (await response.json()) as WidgetSession;
}

/** The console's `me` for the token's user: one grant holding the token's scopes, where the token applies. */
function meOf(found: WidgetSession): Me {
  const [firstName = '', ...rest] = found.user.name.split(' ');
  const resource = found.resourceId === null ? null : (found.resource ?? { id: found.resourceId, kind: 'location', name: 'This location' });
  return {
    user: { id: found.user.id, email: found.user.email, firstName, lastName: rest.join(' ') },
    memberships: [{ org: { id: found.orgId, name: '' }, resource, role: '', permissions: found.scopes }],
    people: [],
    orgs: [],
    features: { devMailbox: false },
  } as unknown as Me;
}

/**
 * The token's org as the console's GET /me would carry it (docs/rules.md R92), read with the
 * token (an element has no /me): its resources (org-wide tokens; a resource's token names its
 * own) and the roles readable at the token's scope. What the token may not read stays empty.
 */
async function orgOf(found: WidgetSession): Promise<Me['orgs'][number]> {
  const path = { orgId: found.orgId };
  const [resources, roles] = await Promise.allSettled([
    found.resourceId === null ? unwrap(api.GET('/api/v1/orgs/{orgId}/resources', { params: { path, query: { limit: 200 } } })) : Promise.resolve(null),
    unwrap(api.GET('/api/v1/orgs/{orgId}/roles', { params: { path, query: found.resourceId === null ? {} : { resourceId: found.resourceId } } })),
  ]);
  return {
    id: found.orgId,
    name: '',
    org: null,
    resources: resources.status === 'fulfilled' ? (resources.value?.items ?? []) : [],
    resourcesTruncated: resources.status === 'fulfilled' && resources.value !== null && resources.value.nextCursor !== null,
    roles: roles.status === 'fulfilled' ? roles.value.items : [],
  };
}

/**
 * Points the page's elements at a Gatehouse with a token (or getToken), reads the token's
 * session and the org's resources and roles. Called by each element when it connects or its token changes;
 * the same credentials again reuse the first call's work.
 */
export function connect(credentials: Credentials): Promise<WidgetSession> {
  const same = credentials.baseUrl === link.baseUrl && credentials.getToken === link.getToken && (credentials.getToken !== null || credentials.token === link.token);
  if (same && link.loading !== null) return link.loading;
  link.baseUrl = credentials.baseUrl;
  link.getToken = credentials.getToken;
  link.token = credentials.getToken === null ? credentials.token : null;
  link.expiresAt = 0;
  setTransport(send);
  widget.error = null;
  const loading = (async () => {
    let found: WidgetSession;
    try {
      found = await readSession(await freshToken(false));
    } catch (error) {
      // A token that lapsed before it was first used: one fresh one from getToken.
      if (link.getToken === null || (error as { code?: unknown }).code !== 'WIDGET_TOKEN_INVALID') throw error;
      found = await readSession(await freshToken(true));
    }
    link.expiresAt = Date.parse(found.expiresAt);
    session.me = { ...meOf(found), orgs: [await orgOf(found)] };
    session.loaded = true;
    await loadOrg(found.orgId, true);
    widget.session = found;
    return found;
  })();
  link.loading = loading;
  loading.catch((error: unknown) => {
    if (link.loading === loading) link.loading = null;
    const coded = error as { code?: unknown; message?: unknown };
    widget.error = { code: typeof coded.code === 'string' ? coded.code : 'UNKNOWN', message: error instanceof Error ? error.message : 'Could not connect to Gatehouse.' };
  });
  return loading;
}
