// `npm run example`: a demo Gatehouse (embedded database, dev mailbox, the demo clinic group) and
// the example host app next to it, wired together the way an integrator would do it by hand:
// sign in as the demo admin, register the app through the Apps API, make an API key for its
// invitations, and make the app the org's default landing. Prints both addresses and the demo
// accounts. Ctrl-C stops both.
//
//   GATEHOUSE_PORT (default 3000), EXAMPLE_PORT (default 4000), EXAMPLE_DATA_DIR (default .gatehouse/example)
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_ADMIN, DEMO_ORG, DEMO_PASSWORD, DEMO_PEOPLE, DEMO_CLINIC_LEAD } from '../../dist/demo/demo.data.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const gatehousePort = Number(process.env.GATEHOUSE_PORT ?? 3000);
const examplePort = Number(process.env.EXAMPLE_PORT ?? 4000);
const GATEHOUSE_URL = `http://localhost:${gatehousePort}`;
const APP_URL = `http://localhost:${examplePort}`;
const dataDir = path.resolve(root, process.env.EXAMPLE_DATA_DIR ?? '.gatehouse/example');
mkdirSync(dataDir, { recursive: true });

const gatehouseEnv = { ...process.env, PORT: String(gatehousePort), PUBLIC_URL: GATEHOUSE_URL, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
delete gatehouseEnv.DATABASE_URL;
delete gatehouseEnv.SMTP_URL;

const children = [];
function stopAll(code = 0) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => stopAll(0));

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${String(code)}`))));
  });
}

function start(args, env) {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  child.on('exit', (code) => {
    if (process.exitCode === undefined && code !== 0) {
      console.error(`${args.join(' ')} stopped (${String(code)})`);
      stopAll(1);
    }
  });
  return child;
}

async function waitFor(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer`);
}

// 1. The demo data (idempotent), then Gatehouse itself.
await run(['bin/gatehouse.js', 'demo'], gatehouseEnv);
start(['bin/gatehouse.js', 'serve'], gatehouseEnv);
await waitFor(`${GATEHOUSE_URL}/readyz`);

// 2. As the demo admin, through Gatehouse's HTTP API.
let cookie = '';
async function api(method, url, body) {
  const res = await fetch(`${GATEHOUSE_URL}${url}`, {
    method,
    headers: { cookie, origin: GATEHOUSE_URL, 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${String(res.status)} ${text}`);
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0];
    if (pair?.startsWith('gatehouse_session=')) cookie = pair;
  }
  return text === '' ? null : JSON.parse(text);
}

await api('POST', '/api/v1/auth/sign-in', { email: DEMO_ADMIN.email, password: DEMO_PASSWORD });
const org = (await api('GET', '/api/v1/orgs')).items.find((o) => o.name === DEMO_ORG);
if (org === undefined) throw new Error(`no org named ${DEMO_ORG}`);

// The app: registered once; on later runs its secret is rotated (a secret is shown only once).
const APP_NAME = 'Clinic Portal';
const appFields = {
  name: APP_NAME,
  type: 'confidential',
  redirectUris: [`${APP_URL}/callback`],
  postLogoutRedirectUris: [`${APP_URL}/`],
  allowedOrigins: [APP_URL],
  initiateLoginUri: `${APP_URL}/login`,
  firstParty: true,
};
const apps = await api('GET', `/api/v1/orgs/${org.id}/apps`);
const existing = (apps.items ?? apps.data ?? []).find((a) => a.name === APP_NAME);
const app =
  existing === undefined
    ? await api('POST', `/api/v1/orgs/${org.id}/apps`, appFields)
    : (await api('PATCH', `/api/v1/orgs/${org.id}/apps/${existing.id}`, { ...appFields, name: undefined, type: undefined }),
      await api('POST', `/api/v1/orgs/${org.id}/apps/${existing.id}/secret`));

// An API key for the app's "Invite a colleague" and the widget tokens of its embedded Gatehouse
// elements (a fresh one each run; the older ones go). A key hands on only what it holds.
const KEY_NAME = 'Clinic Portal invitations';
for (const key of (await api('GET', `/api/v1/orgs/${org.id}/api-keys`)).items) {
  if (key.name === KEY_NAME && key.revokedAt == null) await api('DELETE', `/api/v1/orgs/${org.id}/api-keys/${key.id}`);
}
const key = await api('POST', `/api/v1/orgs/${org.id}/api-keys`, { name: KEY_NAME, permissions: ['org:read', 'members:read', 'members:manage', 'people:read', 'invitations:read', 'invitations:manage'] });

// Invitations sent from Gatehouse's console land in the app too.
await api('PATCH', `/api/v1/orgs/${org.id}`, { settings: { defaultAppId: app.id, defaultReturnTo: `${APP_URL}/` } });

// 3. The example app.
start(['examples/host/server.js'], {
  ...process.env,
  GATEHOUSE_URL,
  CLIENT_ID: app.clientId,
  CLIENT_SECRET: app.clientSecret,
  APP_ID: app.id,
  API_KEY: key.secret,
  ORG_ID: org.id,
  PORT: String(examplePort),
  APP_URL,
});
await waitFor(`${APP_URL}/`);

const staff = DEMO_PEOPLE.find((p) => p.state === 'registered' && p.scope === 'location');
console.log(`
  Gatehouse            ${GATEHOUSE_URL}   (console; dev mailbox at ${GATEHOUSE_URL}/mailbox)
  Example host app     ${APP_URL}   ("Clinic Portal", signs in with Gatehouse)

  Demo accounts (password: ${DEMO_PASSWORD})
    ${DEMO_ADMIN.email.padEnd(34)} owner of ${DEMO_ORG}
    ${DEMO_CLINIC_LEAD.email.padEnd(34)} admin of ${DEMO_CLINIC_LEAD.location}${
      staff === undefined ? '' : `\n    ${staff.email.padEnd(34)} ${staff.role} at ${staff.location ?? 'the group'}`
    }

  Try it: sign in to ${APP_URL} as the clinic lead, invite a colleague, open the email in the
  dev mailbox (signed in to Gatehouse as the owner), accept, and land back in the app.
  Embedded Gatehouse elements: ${APP_URL}/employees (the directory; an employee's page has the
  invitation panel) and ${APP_URL}/properties (each location's access list).
  Ctrl-C stops both.
`);
