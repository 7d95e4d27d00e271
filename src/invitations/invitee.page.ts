/**
 * The invitation page's HTML, from one function: the web console's index.html (built by Vite
 * into dist/web). Its /invite view reads the token from the address, keeps it in memory and
 * strips it from the address bar (so it is neither in history nor in a Referer), then asks
 * POST /api/v1/invitations/lookup and offers what the state allows. Nothing on GET changes
 * state: `clicked` is the page's own POST after it renders (docs/rules.md R16).
 */
import { consoleHtml } from '../http/web.plugin.js';

export function renderInvitePage(options: { theme: boolean }): string {
  // The operator's THEME_CSS styles the invitee's page as it does the console.
  return consoleHtml(undefined, options);
}
