// An example host application that signs its users in with Gatehouse, written the way an
// integrator would: plain node:http, openid-client for OpenID Connect (authorization code +
// PKCE + state + nonce), and Gatehouse's API with an API key through its typed SDK, @gatehouse/client
// (packages/client; in your app: `npm install @gatehouse/client`, here imported from its build).
//
//   GATEHOUSE_URL  Gatehouse's public URL (the issuer is GATEHOUSE_URL/oidc)
//   CLIENT_ID, CLIENT_SECRET  the app as registered in Gatehouse (POST /api/v1/orgs/:orgId/apps)
//   APP_ID         the app's id in Gatehouse (invitations name it, so they land here)
//   API_KEY, ORG_ID  an API key of the org with invitations:manage and the permissions of the roles it gives (a key can only hand on what it holds), and the org's id
//   PORT           where this app listens (default 4000); APP_URL its public address
//
// Pages: / (signed out: "Sign in with Gatehouse"; signed in: profile, role at each location, and
// "Invite a colleague"), /login (also Gatehouse's third-party-initiated login: iss, login_hint,
// target_link_uri), /callback, /invite (POST), /logout.
//
// Embedded Gatehouse elements (README.md, "Embedding"): /employees (<gatehouse-people>),
// /employees/:personId (an employee edit page, <gatehouse-invitation-panel> on the right),
// /properties/:resourceId (a property page, <gatehouse-access-list>). Their tokens come from
// POST /widget-token: this backend mints them with its API key for the signed-in user, and
// Gatehouse lets a token do no more than that user may (and than the key holds). These pages
// run under a strict CSP: scripts from here and Gatehouse only, no inline script or style.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as oidc from 'openid-client';
import { createGatehouseClient, isGatehouseError } from '../../packages/client/dist/index.js';

const env = process.env;
const GATEHOUSE_URL = required('GATEHOUSE_URL').replace(/\/+$/, '');
const PORT = Number(env.PORT ?? 4000);
const APP_URL = (env.APP_URL ?? `http://localhost:${PORT}`).replace(/\/+$/, '');
const REDIRECT_URI = `${APP_URL}/callback`;
const ISSUER = `${GATEHOUSE_URL}/oidc`;
const SCOPE = 'openid profile email gatehouse';

function required(name) {
  const value = env[name];
  if (value === undefined || value === '') {
    console.error(`examples/host: set ${name}`);
    process.exit(2);
  }
  return value;
}

const CLIENT_ID = required('CLIENT_ID');
const CLIENT_SECRET = env.CLIENT_SECRET ?? '';
const APP_ID = env.APP_ID ?? null;
const API_KEY = env.API_KEY ?? null;
const ORG_ID = env.ORG_ID ?? null;

// Discovery: the issuer's endpoints and keys. http is for a local Gatehouse only.
const config = await oidc.discovery(
  new URL(ISSUER),
  CLIENT_ID,
  undefined,
  CLIENT_SECRET === '' ? oidc.None() : oidc.ClientSecretPost(CLIENT_SECRET),
  ISSUER.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : undefined,
);

// ---------------------------------------------------------------------------------------------
// sessions: in memory, behind an opaque HttpOnly cookie (a real app would use its own store)

const COOKIE = 'host_sid';
const sessions = new Map();

function sessionOf(req) {
  const id = /(?:^|;\s*)host_sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
  return id === undefined ? undefined : sessions.get(id);
}

function startSession(res, data) {
  const id = randomBytes(24).toString('base64url');
  sessions.set(id, data);
  res.setHeader('set-cookie', `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax${APP_URL.startsWith('https:') ? '; Secure' : ''}`);
  return data;
}

function endSession(req, res) {
  const id = /(?:^|;\s*)host_sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (id !== undefined) sessions.delete(id);
  res.setHeader('set-cookie', `${COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
}

// ---------------------------------------------------------------------------------------------
// pages

const esc = (value) =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1c2430}
body.wide{max-width:72rem}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #dde3ea;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eef1f4}
.button,button{display:inline-block;background:#0b5cad;color:#fff;border:0;border-radius:6px;padding:.5rem 1rem;text-decoration:none;font:inherit;cursor:pointer}
label{display:block;margin:.5rem 0 .2rem}input,select{font:inherit;padding:.35rem;width:100%;box-sizing:border-box}
.ok{background:#e8f6ec;padding:.5rem 1rem;border-radius:6px}.error{background:#fdecec;padding:.5rem 1rem;border-radius:6px}.muted{color:#5b6675}
.split{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,24rem);gap:2rem;align-items:start}
@media (max-width:48rem){.split{grid-template-columns:1fr}}
gatehouse-invitation-panel,gatehouse-access-list,gatehouse-people{--gatehouse-accent:#0b5cad;--gatehouse-font:system-ui,sans-serif}`;

/** The embedded elements' script and the host's own glue (/embed-host.js): nothing inline. */
const EMBED_SCRIPTS = () => `<script type="module" src="${GATEHOUSE_URL}/embed/v1/gatehouse.js"></script><script type="module" src="/embed-host.js"></script>`;

function page(res, title, body, status = 200, { scripts = '', wide = false } = {}) {
  const gatehouse = new URL(GATEHOUSE_URL).origin;
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // Strict: no inline script or style anywhere, the elements included (they adopt their styles).
    'content-security-policy': `default-src 'none'; style-src 'self'; script-src 'self' ${gatehouse}; connect-src 'self' ${gatehouse}; img-src 'self' data:; form-action 'self'; base-uri 'none'`,
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Clinic Portal</title><link rel="stylesheet" href="/host.css">${scripts}</head>
<body${wide ? ' class="wide"' : ''}><header><strong>Clinic Portal</strong><span class="muted">an example app signing in with Gatehouse</span></header><main>${body}</main></body></html>`);
}

function redirect(res, location) {
  res.writeHead(303, { location, 'cache-control': 'no-store' });
  res.end();
}

/** Where the signed-in user may invite: every location with an org-wide grant, else where a grant gives it. */
function invitableLocations(claim, locations) {
  const may = (permissions) => permissions.includes('*') || permissions.includes('invitations:manage');
  if (claim.role !== null && may(claim.permissions)) return locations;
  const ids = new Set(claim.grants.filter((g) => may(g.permissions)).map((g) => g.resourceId));
  return locations.filter((l) => ids.has(l.id));
}

/** Gatehouse's API through its typed SDK (packages/client), with this app's API key; null without one. */
const gatehouse = API_KEY === null ? null : createGatehouseClient({ baseUrl: GATEHOUSE_URL, token: API_KEY });

/** The org's locations, or none when the key cannot list them. */
async function listLocations() {
  if (gatehouse === null || ORG_ID === null) return [];
  const page = await gatehouse.get('/api/v1/orgs/{orgId}/resources', { params: { path: { orgId: ORG_ID }, query: { limit: 200 } } }).catch(() => null);
  return page?.items ?? [];
}

async function home(req, res, notice) {
  const session = sessionOf(req);
  if (session === undefined) {
    return page(
      res,
      'Welcome',
      `<h1>Welcome to Clinic Portal</h1><p>Sign in with your Gatehouse account to see your clinics.</p>
<p><a class="button" href="/login" data-testid="sign-in">Sign in with Gatehouse</a></p>`,
    );
  }
  const { claims } = session;
  const gh = claims.gatehouse ?? { orgId: null, role: null, permissions: [], grants: [], person: null };
  const rows = gh.grants
    .map((g) => `<tr data-testid="grant"><td>${esc(g.name)}</td><td>${esc(g.kind)}</td><td data-testid="grant-role">${esc(g.role)}</td></tr>`)
    .join('');
  const locations = await listLocations();
  const invitable = invitableLocations(gh, locations);
  const canInviteOrgWide = gh.role !== null && (gh.permissions.includes('*') || gh.permissions.includes('invitations:manage'));
  const inviteForm =
    API_KEY === null || (invitable.length === 0 && !canInviteOrgWide)
      ? ''
      : `<h2>Invite a colleague</h2>
<p class="muted">They get an email from Gatehouse and, once they accept, land here signed in.</p>
<form method="post" action="/invite">
<label for="email">Email</label><input id="email" name="email" type="email" required>
<label for="location">Location</label><select id="location" name="resourceId">
${canInviteOrgWide ? '<option value="">The whole organization</option>' : ''}${invitable.map((l) => `<option value="${esc(l.id)}">${esc(l.name)}</option>`).join('')}</select>
<label for="role">Role</label><select id="role" name="role"><option value="member">Member</option><option value="viewer">Viewer</option></select>
<p><button type="submit">Send invitation</button></p></form>`;
  return page(
    res,
    'Your clinics',
    `${notice ?? ''}<h1 data-testid="name">${esc(claims.name)}</h1>
<p><span data-testid="email">${esc(claims.email)}</span>${gh.person?.title ? ` · <span data-testid="title">${esc(gh.person.title)}</span>` : ''}</p>
<p>Organization role: <strong data-testid="org-role">${esc(gh.role ?? 'none (location access only)')}</strong></p>
<h2>Your role at each location</h2>
${rows === '' ? '<p class="muted">No location-specific access.</p>' : `<table><thead><tr><th>Location</th><th>Kind</th><th>Role</th></tr></thead><tbody>${rows}</tbody></table>`}
${inviteForm}
<p><a href="/employees">Employees</a> · <a href="/properties">Properties</a> · <a href="/logout" data-testid="sign-out">Sign out</a></p>`,
  );
}

// ---------------------------------------------------------------------------------------------
// embedded Gatehouse elements

/** What the elements may ask for; Gatehouse grants the part the user and the key both hold. */
const WIDGET_SCOPES = ['org:read', 'people:read', 'invitations:read', 'invitations:manage', 'members:read', 'members:manage'];

function sendJson(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** POST /widget-token {resourceId?}: a short-lived token for the signed-in user, for this page's elements. */
async function widgetToken(req, res) {
  const session = sessionOf(req);
  if (session?.claims === undefined) return sendJson(res, 401, { error: 'signed out' });
  if (req.headers.origin !== APP_URL) return sendJson(res, 403, { error: 'cross-site' });
  const resourceId = await readBody(req)
    .then((text) => JSON.parse(text).resourceId ?? null)
    .catch(() => null);
  if (gatehouse === null) return sendJson(res, 503, { error: 'no API_KEY' });
  try {
    const minted = await gatehouse.mintWidgetToken({
      orgId: ORG_ID,
      appId: APP_ID,
      userId: session.claims.sub,
      ...(resourceId === null ? {} : { resourceId }),
      scopes: WIDGET_SCOPES,
    });
    return sendJson(res, 200, { token: minted.token, expiresAt: minted.expiresAt });
  } catch (error) {
    if (!isGatehouseError(error)) throw error;
    return sendJson(res, error.status, { error: error.code });
  }
}

function signedIn(req, res) {
  if (sessionOf(req)?.claims !== undefined) return true;
  redirect(res, '/login');
  return false;
}

function employees(req, res) {
  if (!signedIn(req, res)) return;
  page(
    res,
    'Employees',
    `<h1>Employees</h1><p class="muted">The directory is Gatehouse's; choosing someone opens their page here.</p>
<gatehouse-people></gatehouse-people>`,
    200,
    { scripts: EMBED_SCRIPTS(), wide: true },
  );
}

/** An employee edit page: the app's own form on the left, Gatehouse's invitation panel on the right. */
async function employee(req, res, personId) {
  if (!signedIn(req, res)) return;
  const p = await gatehouse?.get('/api/v1/orgs/{orgId}/people/{personId}', { params: { path: { orgId: ORG_ID, personId } } }).catch(() => null);
  if (p == null) return page(res, 'Not found', '<p>No such employee.</p>', 404);
  return page(
    res,
    `${p.firstName} ${p.lastName}`,
    `<p><a href="/employees">← Employees</a></p><div class="split"><section><h1>${esc(p.firstName)} ${esc(p.lastName)}</h1>
<form><label for="first">First name</label><input id="first" value="${esc(p.firstName)}"><label for="last">Last name</label><input id="last" value="${esc(p.lastName)}">
<label for="title">Title</label><input id="title" value="${esc(p.title ?? '')}"><label for="mail">Email</label><input id="mail" type="email" value="${esc(p.email)}"></form></section>
<gatehouse-invitation-panel person-id="${esc(p.id)}" data-token-resource="${esc(p.resourceId ?? '')}"></gatehouse-invitation-panel></div>`,
    200,
    { scripts: EMBED_SCRIPTS(), wide: true },
  );
}

async function properties(req, res) {
  if (!signedIn(req, res)) return;
  const items = await listLocations();
  return page(res, 'Properties', `<h1>Properties</h1><ul>${items.map((r) => `<li><a href="/properties/${esc(r.id)}">${esc(r.name)}</a></li>`).join('')}</ul>`);
}

/** A property page: who has access to this property, from Gatehouse, managed in place. */
async function property(req, res, resourceId) {
  if (!signedIn(req, res)) return;
  const found = await gatehouse?.get('/api/v1/orgs/{orgId}/resources/{resourceId}', { params: { path: { orgId: ORG_ID, resourceId } } }).catch(() => null);
  const name = found?.name ?? 'Property';
  return page(
    res,
    name,
    `<p><a href="/properties">← Properties</a></p><h1>${esc(name)}</h1><h2>Who has access</h2>
<gatehouse-access-list resource-id="${esc(resourceId)}" data-token-resource="${esc(resourceId)}"></gatehouse-access-list>`,
    200,
    { scripts: EMBED_SCRIPTS(), wide: true },
  );
}

/** The host's glue for its elements: where tokens come from, and what choosing a person opens. */
const EMBED_HOST_JS = `for (const element of document.querySelectorAll('gatehouse-invitation-panel, gatehouse-access-list, gatehouse-people')) {
  const resourceId = element.dataset.tokenResource || null;
  element.getToken = async () => {
    const res = await fetch('/widget-token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceId }) });
    if (!res.ok) throw new Error('no widget token');
    return (await res.json()).token;
  };
}
document.addEventListener('gatehouse:person-selected', (event) => {
  location.assign('/employees/' + encodeURIComponent(event.detail.personId));
});
`;

function asset(res, type, body) {
  res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
  res.end(body);
}

/**
 * Starts the authorization request. Gatehouse also sends invitees here after they accept
 * (third-party-initiated login): `iss` must be our issuer, `target_link_uri` must be ours.
 */
async function login(req, res, url) {
  const iss = url.searchParams.get('iss');
  if (iss !== null && iss !== ISSUER) return page(res, 'Sign-in refused', '<p class="error">Unknown issuer.</p>', 400);
  const target = url.searchParams.get('target_link_uri');
  let returnTo = '/';
  if (target !== null) {
    try {
      const t = new URL(target);
      if (t.origin === APP_URL) returnTo = `${t.pathname}${t.search}`;
    } catch {
      // not an address: go home
    }
  }
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  // The pending request lives in its own session until the callback.
  endSession(req, res);
  startSession(res, { pending: { codeVerifier, state, nonce, returnTo } });
  const parameters = {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  const hint = url.searchParams.get('login_hint');
  if (hint !== null) parameters.login_hint = hint;
  redirect(res, oidc.buildAuthorizationUrl(config, parameters).href);
}

async function callback(req, res, url) {
  const pending = sessionOf(req)?.pending;
  if (pending === undefined) return redirect(res, '/');
  try {
    const tokens = await oidc.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    // The ID token caps a long list of grants; userinfo has them all.
    const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    endSession(req, res);
    startSession(res, { claims: { ...idClaims, ...info }, idToken: tokens.id_token });
    return redirect(res, pending.returnTo);
  } catch (error) {
    endSession(req, res);
    return page(res, 'Sign-in failed', `<p class="error">Sign-in failed: ${esc(error.message)}</p><p><a href="/">Back</a></p>`, 400);
  }
}

async function readBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('body too large');
  }
  return body;
}

async function readForm(req) {
  return new URLSearchParams(await readBody(req));
}

async function invite(req, res) {
  const session = sessionOf(req);
  if (session?.claims === undefined) return redirect(res, '/');
  // SameSite=Lax keeps the cookie off cross-site posts; the Origin check says so twice.
  if (req.headers.origin !== undefined && req.headers.origin !== APP_URL) return page(res, 'Refused', '<p class="error">Cross-site form.</p>', 403);
  const form = await readForm(req);
  const resourceId = form.get('resourceId') || null;
  let notice;
  try {
    const invitation = await gatehouse.post('/api/v1/orgs/{orgId}/invitations', {
      params: { path: { orgId: ORG_ID } },
      body: {
        email: form.get('email') ?? '',
        role: form.get('role') ?? 'member',
        resourceId,
        // Land the invitee back here, signed in.
        ...(APP_ID === null ? {} : { appId: APP_ID, returnTo: `${APP_URL}/` }),
      },
    });
    notice = `<p class="ok" data-testid="invite-ok">Invitation sent to ${esc(invitation.email)}.</p>`;
  } catch (error) {
    if (!isGatehouseError(error)) throw error;
    notice = `<p class="error" data-testid="invite-error">${esc(error.code)}: ${esc(error.message)}</p>`;
  }
  return home(req, res, notice);
}

function logout(req, res) {
  const session = sessionOf(req);
  endSession(req, res);
  if (session?.idToken === undefined) return redirect(res, '/');
  // RP-initiated logout: Gatehouse ends its session too, then sends the browser back here.
  redirect(res, oidc.buildEndSessionUrl(config, { id_token_hint: session.idToken, post_logout_redirect_uri: `${APP_URL}/` }).href);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', APP_URL);
  const route = `${req.method} ${url.pathname}`;
  const handled =
    route === 'GET /' ? home(req, res)
    : route === 'GET /login' ? login(req, res, url)
    : route === 'GET /callback' ? callback(req, res, url)
    : route === 'POST /invite' ? invite(req, res)
    : route === 'GET /logout' ? logout(req, res)
    : route === 'POST /widget-token' ? widgetToken(req, res)
    : route === 'GET /employees' ? employees(req, res)
    : route === 'GET /properties' ? properties(req, res)
    : route.startsWith('GET /employees/') ? employee(req, res, url.pathname.slice('/employees/'.length))
    : route.startsWith('GET /properties/') ? property(req, res, url.pathname.slice('/properties/'.length))
    : route === 'GET /host.css' ? asset(res, 'text/css; charset=utf-8', STYLE)
    : route === 'GET /embed-host.js' ? asset(res, 'text/javascript; charset=utf-8', EMBED_HOST_JS)
    : page(res, 'Not found', '<p>Not found.</p>', 404);
  Promise.resolve(handled).catch((error) => {
    console.error(error);
    if (!res.headersSent) page(res, 'Error', '<p class="error">Something went wrong.</p>', 500);
  });
});

server.listen(PORT, () => console.log(`Clinic Portal (example host app): ${APP_URL}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
