/**
 * The one configuration object, read from the environment once at start-up and frozen.
 * Every variable of the Configuration table in docs/http-api.md is here; a bad value raises a
 * ConfigError whose message names the variable and the form it expects.
 */
import { accessSync, constants, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import ipaddr from 'ipaddr.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** The only base for links in emails and pages, without a trailing slash. */
  readonly publicUrl: string;
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  readonly smtpUrl: string | null;
  readonly mailFrom: string;
  readonly allowSignup: boolean;
  /** Requests per minute per IP on the auth and invitee endpoints; 0 turns the limit off. */
  readonly authRateLimit: number;
  readonly webhookAllowPrivate: boolean;
  readonly logLevel: LogLevel;
  /** The highest hourly invitation quota any org may set. */
  readonly invitationQuotaMax: number;
  /**
   * The highest hourly invitation quota of an org no operator has trusted yet (one created by
   * a self-service account); never above invitationQuotaMax.
   */
  readonly selfServiceQuotaMax: number;
  /**
   * Which proxies in front of the server are believed about the client address
   * (`X-Forwarded-For`): false (none, the default), a number of hops, or a list of addresses and
   * CIDR ranges. Passed to Fastify's `trustProxy`; the per-IP rate limits key on the result.
   */
  readonly trustProxy: false | number | readonly string[];
  /** The bearer token `GET /metrics` requires; null leaves it open on a loopback HOST only. */
  readonly metricsToken: string | null;
  /**
   * The secret the OpenID provider's signing keys and cookies are derived from (HKDF). Null:
   * embedded mode generates DATA_DIR/secret.key once; with DATABASE_URL the server refuses to
   * start (instances sharing a database must share it).
   */
  readonly secretKey: string | null;
  /** The instance's terms of use (https), linked from invitee pages of orgs that set none. */
  readonly termsUrl: string | null;
  /**
   * THEME_CSS (docs/rules.md R69): an operator's stylesheet (an absolute path, checked readable at start), served at
   * /theme.css and linked after the console's own CSS on every page, so its theme tokens win
   * without a rebuild. Read on each request: an edit shows on the next page load.
   */
  readonly themeCss: string | null;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expected: string,
  ) {
    super(`${variable}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `an integer from ${String(min)} to ${String(max)}, got "${raw}"`);
  }
  return Number(raw);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `true or false, got "${raw}"`);
}

function url(env: Env, name: string, protocols: readonly string[], fallback: string | null): string | null {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL (${protocols.join(' or ')}), got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `a URL starting with ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return raw;
}

function readableFile(env: Env, name: string): string | null {
  const raw = read(env, name);
  if (raw === undefined) return null;
  const full = path.resolve(raw);
  try {
    accessSync(full, constants.R_OK);
    if (!statSync(full).isFile()) throw new Error('not a file');
  } catch {
    throw new ConfigError(name, `a readable file, got "${raw}"`);
  }
  return full;
}

/** Names proxy-addr accepts for whole ranges, besides addresses and CIDR ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function trustProxy(env: Env): false | number | readonly string[] {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || raw.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops > 100) throw new ConfigError('TRUST_PROXY', `a hop count from 0 to 100, got "${raw}"`);
    return hops === 0 ? false : hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    const network = entry.split('/')[0] ?? '';
    const valid =
      PROXY_RANGE_NAMES.has(entry) || net.isIP(entry) !== 0 || (net.isIP(network) !== 0 && ipaddr.isValidCIDR(entry));
    if (!valid) {
      throw new ConfigError(
        'TRUST_PROXY',
        `a hop count or a comma-separated list of proxy addresses or CIDR ranges, got "${entry === '' ? raw : entry}"`,
      );
    }
  }
  return Object.freeze(entries);
}

function metricsToken(env: Env): string | null {
  const raw = read(env, 'METRICS_TOKEN');
  if (raw === undefined) return null;
  // What fits in `Authorization: Bearer …` unquoted (RFC 6750 b64token), long enough not to guess.
  if (!/^[A-Za-z0-9\-._~+/]{16,256}=*$/.test(raw)) {
    throw new ConfigError('METRICS_TOKEN', 'at least 16 characters of letters, digits and -._~+/');
  }
  return raw;
}

function secretKey(env: Env): string | null {
  const raw = read(env, 'SECRET_KEY');
  if (raw === undefined) return null;
  if (raw.length < 32) throw new ConfigError('SECRET_KEY', 'at least 32 characters (for example: openssl rand -base64 48)');
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const publicUrl = (url(env, 'PUBLIC_URL', ['http:', 'https:'], null) ?? `http://localhost:${String(port)}`).replace(
    /\/+$/,
    '',
  );
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (!isLogLevel(logLevel)) throw new ConfigError('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const mailFrom = read(env, 'MAIL_FROM') ?? 'Gatehouse <no-reply@localhost>';
  if (!/^[^<>]*<[^\s@<>]+@[^\s@<>]+>$|^[^\s@<>]+@[^\s@<>]+$/.test(mailFrom)) {
    throw new ConfigError('MAIL_FROM', `an address such as "Name <user@host>", got "${mailFrom}"`);
  }
  const invitationQuotaMax = integer(env, 'INVITATION_QUOTA_MAX', 10_000, 1, 1_000_000);
  const selfServiceQuotaMax = integer(env, 'SELF_SERVICE_QUOTA_MAX', Math.min(100, invitationQuotaMax), 1, 1_000_000);
  if (selfServiceQuotaMax > invitationQuotaMax) {
    throw new ConfigError('SELF_SERVICE_QUOTA_MAX', `at most INVITATION_QUOTA_MAX (${String(invitationQuotaMax)}), got "${String(selfServiceQuotaMax)}"`);
  }
  return Object.freeze({
    port,
    host,
    publicUrl,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], null),
    dataDir: path.resolve(read(env, 'DATA_DIR') ?? './.gatehouse'),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:'], null),
    mailFrom,
    allowSignup: boolean(env, 'ALLOW_SIGNUP', false),
    authRateLimit: integer(env, 'AUTH_RATE_LIMIT', 30, 0, 1_000_000),
    webhookAllowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    logLevel,
    invitationQuotaMax,
    selfServiceQuotaMax,
    trustProxy: trustProxy(env),
    metricsToken: metricsToken(env),
    secretKey: secretKey(env),
    termsUrl: url(env, 'TERMS_URL', ['https:'], null),
    themeCss: readableFile(env, 'THEME_CSS'),
  });
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
