/**
 * Links in emails carry a token in their path (/invite/T, /setup/T, /verify-email/T,
 * /reset-password/T). The console reads it once, strips it from the address bar with
 * history.replaceState (so it is not left in history, bookmarks or screenshots) and keeps it in
 * memory only: reloading the stripped page asks for the link again.
 */
export type TokenPage = 'invite' | 'setup' | 'verify-email' | 'reset-password';

const PATTERN = /^\/(invite|setup|verify-email|reset-password)\/([A-Za-z0-9_-]{16,200})\/?$/;
const tokens = new Map<TokenPage, string>();

/** Takes a token out of `pathname`; returns the stripped path, or null when there was none. */
export function captureToken(pathname: string): string | null {
  const match = PATTERN.exec(pathname);
  if (match === null) return null;
  const page = match[1] as TokenPage;
  tokens.set(page, match[2] ?? '');
  return `/${page}`;
}

/** Called first thing at start-up, before the router reads the address. */
export function stripTokenFromAddressBar(): void {
  const stripped = captureToken(window.location.pathname);
  if (stripped !== null) window.history.replaceState(window.history.state, '', stripped);
}

export function tokenFor(page: TokenPage): string | null {
  return tokens.get(page) ?? null;
}

export function forgetToken(page: TokenPage): void {
  tokens.delete(page);
}
