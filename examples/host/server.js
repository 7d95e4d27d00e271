// An example host application that signs its users in with Gatehouse, written the way an
// integrator would: plain node:http, openid-client for OpenID Connect (authorization code +
// PKCE + state + nonce), and Gatehouse's HTTP API with an API key for invitations.
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
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as oidc from 'openid-client';

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

function page(res, title, body, status = 200) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Clinic Portal</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1c2430}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #dde3ea;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eef1f4}
.button,button{display:inline-block;background:#0b5cad;color:#fff;border:0;border-radius:6px;padding:.5rem 1rem;text-decoration:none;font:inherit;cursor:pointer}
label{display:block;margin:.5rem 0 .2rem}input,select{font:inherit;padding:.35rem;width:100%;box-sizing:border-box}
.ok{background:#e8f6ec;padding:.5rem 1rem;border-radius:6px}.error{background:#fdecec;padding:.5rem 1rem;border-radius:6px}.muted{color:#5b6675}</style></head>
<body><header><strong>Clinic Portal</strong><span class="muted">an example app signing in with Gatehouse</span></header>${body}</body></html>`);
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

async function gatehouseApi(method, path, body) {
  const res = await fetch(`${GATEHOUSE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = await res.json();
  return { status: res.status, json };
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
  let locations = [];
  if (API_KEY !== null && ORG_ID !== null) {
    const listed = await gatehouseApi('GET', `/api/v1/orgs/${ORG_ID}/resources?limit=200`).catch(() => null);
    locations = listed?.status === 200 ? listed.json.items : [];
  }
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
<p><a href="/logout" data-testid="sign-out">Sign out</a></p>`,
  );
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

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

async function invite(req, res) {
  const session = sessionOf(req);
  if (session?.claims === undefined) return redirect(res, '/');
  // SameSite=Lax keeps the cookie off cross-site posts; the Origin check says so twice.
  if (req.headers.origin !== undefined && req.headers.origin !== APP_URL) return page(res, 'Refused', '<p class="error">Cross-site form.</p>', 403);
  const form = await readForm(req);
  const resourceId = form.get('resourceId') || null;
  const { status, json } = await gatehouseApi('POST', `/api/v1/orgs/${ORG_ID}/invitations`, {
    email: form.get('email') ?? '',
    role: form.get('role') ?? 'member',
    resourceId,
    // Land the invitee back here, signed in.
    ...(APP_ID === null ? {} : { appId: APP_ID, returnTo: `${APP_URL}/` }),
  });
  const notice =
    status === 201 || status === 200
      ? `<p class="ok" data-testid="invite-ok">Invitation sent to ${esc(json.email)}.</p>`
      : `<p class="error" data-testid="invite-error">${esc(json.error?.code)}: ${esc(json.error?.message)}</p>`;
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
    : page(res, 'Not found', '<p>Not found.</p>', 404);
  Promise.resolve(handled).catch((error) => {
    console.error(error);
    if (!res.headersSent) page(res, 'Error', '<p class="error">Something went wrong.</p>', 500);
  });
});

server.listen(PORT, () => console.log(`Clinic Portal (example host app): ${APP_URL}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
