/**
 * What never reaches a log line: credentials in headers, secrets in bodies, and the
 * invitation token in the `/invite/:token` path (docs/rules.md R1).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.currentPassword',
];

const TOKEN_IN_PATH = /\/(invite|verify-email|reset-password|setup)\/[^/?#]+/g;
const TOKEN_IN_QUERY = /([?&](?:token|secret)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(TOKEN_IN_PATH, '/$1/[REDACTED]').replace(TOKEN_IN_QUERY, '$1[REDACTED]');
}
