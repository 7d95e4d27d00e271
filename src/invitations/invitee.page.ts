/**
 * The invitation page's HTML, from one function so the web console can replace it (its Vue
 * app will be served here instead). This stand-in does the same job in plain script:
 * it reads the token from the address, moves it to sessionStorage and strips it from the
 * address bar (so it is neither in history nor in a Referer), then asks
 * POST /api/v1/invitations/lookup and offers what the state allows. Nothing on GET changes
 * state: `clicked` is the page's own POST after it renders (SPEC rule 13).
 */
export interface InvitePageOptions {
  /** CSP nonce for the one inline script and style. */
  nonce: string;
}

export function renderInvitePage({ nonce }: InvitePageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>Your invitation</title>
<style nonce="${nonce}">body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}
button{font:inherit;padding:.4rem 1rem;margin:.25rem .5rem .25rem 0}label{display:block;margin:.5rem 0}
input{font:inherit;width:100%}.muted{color:#555}</style>
</head>
<body>
<main id="app"><p>Loading your invitation…</p></main>
<script nonce="${nonce}">
(() => {
  const app = document.getElementById('app');
  const key = 'gatehouse.invite';
  const match = location.pathname.match(/^\\/invite\\/([^/]+)$/);
  if (match) { sessionStorage.setItem(key, match[1]); history.replaceState(null, '', '/invite'); }
  const token = sessionStorage.getItem(key);
  const el = (tag, text) => { const e = document.createElement(tag); if (text) e.textContent = text; return e; };
  const show = (...nodes) => app.replaceChildren(...nodes);
  const post = (path, body) => fetch('/api/v1/invitations/' + path, {
    method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: r.status === 204 ? {} : await r.json() }));
  const button = (label, action) => { const b = el('button', label); b.addEventListener('click', action); return b; };
  const fail = (res) => show(el('p', res.body.error ? res.body.error.message : 'Something went wrong.'));
  const done = (text) => { sessionStorage.removeItem(key); show(el('p', text)); };
  if (!token) { show(el('p', 'This invitation link is not valid. Ask the person who invited you for a new one.')); return; }
  post('lookup', { token }).then((res) => {
    if (res.status !== 200) { fail(res); return; }
    const { invitation: inv, account } = res.body;
    const where = inv.resourceName ? inv.orgName + ' — ' + inv.resourceName : inv.orgName;
    const head = [el('h1', 'Join ' + where), el('p', inv.inviterName + ' invited ' + inv.email + ' as ' + inv.roleName + '.')];
    if (inv.message) head.push(el('blockquote', inv.message));
    const states = { accepted: 'This invitation was already accepted. Sign in to continue.', declined: 'This invitation was declined.',
      revoked: 'This invitation was withdrawn. Ask for a new one if you still need access.',
      failed: 'This invitation could not be delivered. Ask for a new one.' };
    if (states[inv.status]) { show(...head, el('p', states[inv.status])); return; }
    if (inv.status === 'expired') {
      show(...head, el('p', 'This invitation has expired.'), button('Ask for a new link', () =>
        post('renew', { token }).then((r) => r.status === 202 ? done('Your request was sent.') : fail(r))));
      return;
    }
    const decline = button('Decline', () => post('decline', { token }).then((r) => r.status === 200 ? done('You declined the invitation.') : fail(r)));
    if (account.signedIn && account.emailMatches) {
      show(...head, button('Accept', () => post('accept', { token }).then((r) => r.status === 200 ? done('Welcome aboard.') : fail(r))), decline);
    } else if (account.signedIn) {
      show(...head, el('p', 'You are signed in as ' + account.signedInEmail + '. Sign out, then open this link again to accept as ' + inv.email + '.'), decline);
    } else if (account.exists) {
      show(...head, el('p', 'Sign in as ' + inv.email + ', then open this link again to accept.'), decline);
    } else {
      const form = el('form');
      const field = (label, name, type, value) => { const l = el('label', label); const i = el('input'); i.name = name; i.type = type; i.value = value || ''; i.required = true; l.append(i); return l; };
      const terms = el('label'); const box = el('input'); box.type = 'checkbox'; box.name = 'acceptTerms'; terms.append(box, ' I accept the terms');
      form.append(field('First name', 'firstName', 'text', inv.firstName), field('Last name', 'lastName', 'text', inv.lastName),
        field('Password (10 characters or more)', 'password', 'password'), terms, el('button', 'Create account and accept'));
      form.addEventListener('submit', (e) => { e.preventDefault(); const f = new FormData(form);
        post('register', { token, firstName: f.get('firstName'), lastName: f.get('lastName'), password: f.get('password'), acceptTerms: box.checked })
          .then((r) => r.status === 201 ? done('Your account is ready.') : fail(r)); });
      show(...head, el('p', 'Create your account for ' + inv.email + '.'), form, decline);
    }
  });
})();
</script>
<noscript><p class="muted">This page needs JavaScript to show your invitation.</p></noscript>
</body>
</html>`;
}
