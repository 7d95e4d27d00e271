import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      databaseUrl: null,
      smtpUrl: null,
      mailFrom: 'Gatehouse <no-reply@localhost>',
      allowSignup: false,
      authRateLimit: 30,
      webhookAllowPrivate: false,
      logLevel: 'info',
      invitationQuotaMax: 10_000,
      selfServiceQuotaMax: 100,
      trustProxy: false,
      metricsToken: null,
    });
    expect(config.dataDir.endsWith('.gatehouse')).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives PUBLIC_URL from PORT and strips a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://gate.example.com/' }).publicUrl).toBe('https://gate.example.com');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['PUBLIC_URL', 'not a url'],
    ['PUBLIC_URL', 'ftp://example.com'],
    ['SMTP_URL', 'http://mail'],
    ['ALLOW_SIGNUP', 'maybe'],
    ['AUTH_RATE_LIMIT', '-1'],
    ['WEBHOOK_ALLOW_PRIVATE', 'yes please'],
    ['LOG_LEVEL', 'loud'],
    ['MAIL_FROM', 'not an address'],
    ['INVITATION_QUOTA_MAX', '0'],
    ['INVITATION_QUOTA_MAX', '2000000'],
    ['SELF_SERVICE_QUOTA_MAX', 'lots'],
    ['SELF_SERVICE_QUOTA_MAX', '20000'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', '101'],
    ['TRUST_PROXY', '-1'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1,'],
    ['TRUST_PROXY', '10.0.0.1, proxy.example.com'],
    ['TRUST_PROXY', '127.1'],
    ['METRICS_TOKEN', 'short'],
    ['METRICS_TOKEN', 'has a space in it, sixteen+'],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    let caught: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(name);
    expect((caught as ConfigError).message).toMatch(new RegExp(`^${name}: expected `));
  });

  it('keeps the self-service quota ceiling within the instance ceiling', () => {
    expect(loadConfig({ INVITATION_QUOTA_MAX: '50' })).toMatchObject({ invitationQuotaMax: 50, selfServiceQuotaMax: 50 });
    expect(loadConfig({ INVITATION_QUOTA_MAX: '500', SELF_SERVICE_QUOTA_MAX: '20' })).toMatchObject({ invitationQuotaMax: 500, selfServiceQuotaMax: 20 });
    expect(() => loadConfig({ INVITATION_QUOTA_MAX: '50', SELF_SERVICE_QUOTA_MAX: '60' })).toThrow(/^SELF_SERVICE_QUOTA_MAX: expected at most INVITATION_QUOTA_MAX/);
  });

  it('accepts the documented forms', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@h:5432/d',
      SMTP_URL: 'smtps://u:p@mail:465',
      ALLOW_SIGNUP: 'true',
      AUTH_RATE_LIMIT: '0',
      WEBHOOK_ALLOW_PRIVATE: '1',
      MAIL_FROM: 'Clinic <hello@clinic.example>',
    });
    expect(config.databaseUrl).toBe('postgres://u@h:5432/d');
    expect(config.smtpUrl).toBe('smtps://u:p@mail:465');
    expect(config.allowSignup).toBe(true);
    expect(config.authRateLimit).toBe(0);
    expect(config.webhookAllowPrivate).toBe(true);
  });

  it('reads TRUST_PROXY as off, a hop count, or a list of addresses and CIDR ranges', () => {
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12,fd00::/8, ::1,loopback' }).trustProxy).toEqual([
      '10.0.0.1',
      '172.16.0.0/12',
      'fd00::/8',
      '::1',
      'loopback',
    ]);
  });

  it('never echoes a bad METRICS_TOKEN in its error', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'secret pass' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('secret') as unknown }));
    expect(loadConfig({ METRICS_TOKEN: 'abcdefghijklmnop-_.~+/=' }).metricsToken).toBe('abcdefghijklmnop-_.~+/=');
  });
});
