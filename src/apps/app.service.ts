/**
 * Apps: the host applications an org signs its people in to (OpenID Connect clients,
 * docs/rules.md R47–R49). Redirect URIs are matched exactly, so they are checked here once: an
 * absolute http(s) URL without a fragment, plain http only on the loopback host. A confidential
 * app's secret is shown once and kept as its SHA-256 digest.
 */
import { randomToken, sha256 } from '../auth/crypto.js';
import type { AppContext } from '../context.js';
import type { AppRow } from '../db/schema.js';
import { AppError, type ErrorDetail } from '../errors.js';
import { deleteApp, findApp, insertApp, listApps, updateApp, type AppFields } from './app.repository.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface AppInput {
  name: string;
  type: AppRow['type'];
  redirectUris: string[];
  postLogoutRedirectUris?: string[] | undefined;
  allowedOrigins?: string[] | undefined;
  initiateLoginUri?: string | null | undefined;
  firstParty?: boolean | undefined;
}

export type AppChanges = Partial<Omit<AppInput, 'type'>>;

/** The problem with `raw` as a redirect-like URI, or null when it is acceptable. */
function uriProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return 'may use http only on localhost or 127.0.0.1';
  if (raw.includes('#')) return 'must not carry a fragment';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  return null;
}

function originProblem(raw: string): string | null {
  const problem = uriProblem(raw);
  if (problem !== null) return problem;
  const url = new URL(raw);
  return url.origin === raw ? null : 'must be an origin (scheme://host[:port]) with nothing after it';
}

function checkUris(input: AppChanges): void {
  const details: ErrorDetail[] = [];
  const check = (field: string, values: readonly string[] | undefined, problemOf: (raw: string) => string | null) => {
    values?.forEach((value, i) => {
      const problem = problemOf(value);
      if (problem !== null) details.push({ path: `${field}/${String(i)}`, message: problem });
    });
  };
  check('redirectUris', input.redirectUris, uriProblem);
  check('postLogoutRedirectUris', input.postLogoutRedirectUris, uriProblem);
  check('allowedOrigins', input.allowedOrigins, originProblem);
  if (typeof input.initiateLoginUri === 'string') {
    const problem = uriProblem(input.initiateLoginUri);
    if (problem !== null) details.push({ path: 'initiateLoginUri', message: problem });
  }
  if (details.length > 0) throw new AppError('APP_URI_INVALID', { details });
}

const unique = (values: readonly string[]) => [...new Set(values)];

export async function createApp(ctx: AppContext, orgId: string, input: AppInput): Promise<{ app: AppRow; clientSecret: string | null }> {
  checkUris(input);
  const clientSecret = input.type === 'confidential' ? randomToken() : null;
  const fields: AppFields = {
    name: input.name.trim(),
    type: input.type,
    redirectUris: unique(input.redirectUris),
    postLogoutRedirectUris: unique(input.postLogoutRedirectUris ?? []),
    allowedOrigins: unique(input.allowedOrigins ?? []),
    initiateLoginUri: input.initiateLoginUri ?? null,
    firstParty: input.firstParty ?? false,
  };
  const app = await insertApp(ctx.db, orgId, {
    ...fields,
    clientId: `gha_${randomToken(18)}`,
    clientSecretHash: clientSecret === null ? null : sha256(clientSecret),
  });
  return { app, clientSecret };
}

export async function listOrgApps(ctx: AppContext, orgId: string): Promise<AppRow[]> {
  return listApps(ctx.db, orgId);
}

export async function getApp(ctx: AppContext, orgId: string, appId: string): Promise<AppRow> {
  const app = await findApp(ctx.db, orgId, appId);
  if (app === undefined) throw new AppError('APP_NOT_FOUND');
  return app;
}

export async function changeApp(ctx: AppContext, orgId: string, appId: string, changes: AppChanges): Promise<AppRow> {
  checkUris(changes);
  const app = await updateApp(
    ctx.db,
    orgId,
    appId,
    {
      ...(changes.name === undefined ? {} : { name: changes.name.trim() }),
      ...(changes.redirectUris === undefined ? {} : { redirectUris: unique(changes.redirectUris) }),
      ...(changes.postLogoutRedirectUris === undefined ? {} : { postLogoutRedirectUris: unique(changes.postLogoutRedirectUris) }),
      ...(changes.allowedOrigins === undefined ? {} : { allowedOrigins: unique(changes.allowedOrigins) }),
      ...(changes.initiateLoginUri === undefined ? {} : { initiateLoginUri: changes.initiateLoginUri }),
      ...(changes.firstParty === undefined ? {} : { firstParty: changes.firstParty }),
    },
    ctx.clock.now(),
  );
  if (app === undefined) throw new AppError('APP_NOT_FOUND');
  return app;
}

/** A new secret for a confidential app; the old one stops working at once. */
export async function rotateAppSecret(ctx: AppContext, orgId: string, appId: string): Promise<{ app: AppRow; clientSecret: string }> {
  const existing = await getApp(ctx, orgId, appId);
  if (existing.type !== 'confidential') throw new AppError('APP_NOT_CONFIDENTIAL');
  const clientSecret = randomToken();
  const now = ctx.clock.now();
  const app = await updateApp(ctx.db, orgId, appId, { clientSecretHash: sha256(clientSecret), secretRotatedAt: now }, now);
  if (app === undefined) throw new AppError('APP_NOT_FOUND');
  return { app, clientSecret };
}

export async function removeApp(ctx: AppContext, orgId: string, appId: string): Promise<void> {
  if (!(await deleteApp(ctx.db, orgId, appId))) throw new AppError('APP_NOT_FOUND');
}
