/**
 * Where an invitation lands the invitee (docs/rules.md R60–R62): an app of the org and a
 * `returnTo` address that the app vouches for, one of its exact redirect URIs or an address on
 * one of its allowed origins, so an invitation can never send someone to an address of the
 * inviter's choosing. After the accept, `nextUrl` is where the browser goes: the app's
 * initiate-login URI (OpenID Connect third-party-initiated login) when it has one, else
 * `returnTo`.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppRow, DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { findApp } from './app.repository.js';

type Db = Kysely<DB> | Transaction<DB>;

/** An app and an address in it, as an invitation or an org default names them. */
export interface Landing {
  appId: string | null;
  returnTo: string | null;
}

/** The field names errors point at (an invitation's `appId`, or the org's `settings.defaultAppId`). */
export interface LandingPaths {
  appId: string;
  returnTo: string;
}

export const INVITATION_PATHS: LandingPaths = { appId: 'appId', returnTo: 'returnTo' };

function refused(path: string, message: string): AppError {
  return new AppError('RETURN_TO_NOT_ALLOWED', { details: [{ path, message }] });
}

/** The app's allowed origins, normalized (`scheme://host[:port]`); entries that do not parse are skipped. */
function originsOf(app: Pick<AppRow, 'allowed_origins'>): Set<string> {
  const origins = new Set<string>();
  for (const origin of app.allowed_origins) {
    try {
      origins.add(new URL(origin).origin);
    } catch {
      // not an origin: it allows nothing
    }
  }
  return origins;
}

/** Why `returnTo` is not an address of this app, or null when it is. */
export function returnToProblem(app: Pick<AppRow, 'redirect_uris' | 'allowed_origins'>, returnTo: string): string | null {
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  if (app.redirect_uris.includes(returnTo)) return null;
  if (!originsOf(app).has(url.origin)) return "must be one of the app's redirect URIs or on one of its allowed origins";
  return null;
}

/**
 * Checks a landing against the app it names (`app`: the org's app of that id as found, undefined
 * when the org has none): `APP_NOT_FOUND` (404) for an app the org does not have,
 * `RETURN_TO_NOT_ALLOWED` (400) for an address the app does not vouch for, for an address
 * without an app, and for an app with neither an address nor an initiate-login URI (nowhere to go).
 */
export function assertLanding(app: AppRow | undefined | null, landing: Landing, paths: LandingPaths = INVITATION_PATHS): void {
  if (landing.appId === null) {
    if (landing.returnTo !== null) throw refused(paths.returnTo, `needs the app it belongs to (${paths.appId})`);
    return;
  }
  if (app?.id !== landing.appId) {
    throw new AppError('APP_NOT_FOUND', { details: [{ path: paths.appId, message: 'no such app in this organization' }] });
  }
  if (landing.returnTo === null) {
    if (app.initiate_login_uri === null) throw refused(paths.returnTo, 'required: the app has no initiate-login URI');
    return;
  }
  const problem = returnToProblem(app, landing.returnTo);
  if (problem !== null) throw refused(paths.returnTo, problem);
}

/** assertLanding with the app read from the org's apps; the app, or null when none is named. */
export async function checkLanding(db: Db, orgId: string, landing: Landing, paths: LandingPaths = INVITATION_PATHS): Promise<AppRow | null> {
  const app = landing.appId === null ? null : await findApp(db, orgId, landing.appId);
  assertLanding(app, landing, paths);
  return app ?? null;
}

/** The org's apps of these ids (an id of another org's app is absent). */
export async function findApps(db: Db, orgId: string, appIds: readonly string[]): Promise<Map<string, AppRow>> {
  const found = new Map<string, AppRow>();
  for (const id of new Set(appIds)) {
    const app = await findApp(db, orgId, id);
    if (app !== undefined) found.set(id, app);
  }
  return found;
}

/**
 * Where the browser goes after the accept, or null when it stays with Gatehouse: the app's
 * initiate-login URI with `iss`, `login_hint` and `target_link_uri` (the app then starts a normal
 * authorization request, which the Gatehouse session just opened answers at once), else
 * `returnTo`. An address the app no longer vouches for (its URIs changed since) goes nowhere.
 */
export function nextUrl(
  app: Pick<AppRow, 'redirect_uris' | 'allowed_origins' | 'initiate_login_uri'> | null,
  landing: { returnTo: string | null; email: string; issuer: string },
): string | null {
  if (app === null) return null;
  const returnTo = landing.returnTo !== null && returnToProblem(app, landing.returnTo) === null ? landing.returnTo : null;
  if (app.initiate_login_uri !== null) {
    let url: URL;
    try {
      url = new URL(app.initiate_login_uri);
    } catch {
      return returnTo;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return returnTo;
    url.searchParams.set('iss', landing.issuer);
    url.searchParams.set('login_hint', landing.email);
    if (returnTo !== null) url.searchParams.set('target_link_uri', returnTo);
    return url.toString();
  }
  return returnTo;
}

/** The issuer of Gatehouse's OpenID provider: `PUBLIC_URL/oidc`. */
export function issuerOf(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/oidc`;
}
