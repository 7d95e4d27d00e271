import { describe, expect, it } from 'vitest';
import type { InvitationEmailData } from '../outbox.js';
import { renderEmail } from './index.js';
import { contrastRatio, MIN_TEXT_CONTRAST, readableTextOn } from '../../common/color.js';
import { EMAIL_PALETTE, EMAIL_TEXT_PAIRS, escapeHtml } from './layout.js';

const base: InvitationEmailData = {
  kind: 'invitation',
  link: 'http://gatehouse.test/invite/TOKEN123',
  orgName: 'Acme Clinics',
  orgTrusted: true,
  resourceName: 'Downtown',
  roleName: 'Member',
  inviterName: 'Ada Admin',
  message: null,
  firstName: 'Grace',
  expiresAt: '2030-01-31T00:00:00.000Z',
  trackingPixelUrl: 'http://gatehouse.test/t/track-1.gif',
};

describe('invitation template', () => {
  it('renders subject, text and table-based HTML with the link from the data', () => {
    const email = renderEmail({ template: 'invitation', data: base });
    expect(email.subject).toBe('You are invited to join Acme Clinics');
    expect(email.text).toContain('Ada Admin invited you to join Acme Clinics (Downtown) as Member.');
    expect(email.text).toContain('http://gatehouse.test/invite/TOKEN123');
    expect(email.text).toContain('31 January 2030');
    expect(email.html).toContain('<table role="presentation"');
    expect(email.html).toContain('href="http://gatehouse.test/invite/TOKEN123"');
    expect(email.html).toMatch(/style="[^"]+"/);
  });

  it('has a subject per kind', () => {
    expect(renderEmail({ template: 'invitation', data: { ...base, kind: 'resend' } }).subject).toBe('Your new invitation to join Acme Clinics');
    const reminder = renderEmail({ template: 'invitation', data: { ...base, kind: 'reminder' } });
    expect(reminder.subject).toBe('Reminder: your invitation to join Acme Clinics expires soon');
    expect(reminder.text).toContain('expires on 31 January 2030');
  });

  it('includes the tracking pixel only when there is a pixel URL', () => {
    const tracked = renderEmail({ template: 'invitation', data: base });
    expect(tracked.html).toContain('<img src="http://gatehouse.test/t/track-1.gif" width="1" height="1"');
    const untracked = renderEmail({ template: 'invitation', data: { ...base, trackingPixelUrl: null } });
    expect(untracked.html).not.toContain('<img');
    expect(untracked.html).not.toContain('/t/');
  });

  it('quotes the inviter message, escaped, and keeps it out of the subject', () => {
    const message = 'Welcome!\n<script>alert("x")</script>\r\nBcc: victim@example.test';
    const email = renderEmail({ template: 'invitation', data: { ...base, message } });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(email.text).toContain('> Welcome!\n> <script>alert("x")</script>\n> Bcc: victim@example.test');
    expect(email.subject).not.toContain('Welcome');
    expect(email.subject).not.toContain('script');
    expect(email.subject).not.toContain('Bcc');
  });

  it('flattens header injection in the org name into one line and escapes markup (header-injection case)', () => {
    const orgName = 'Evil\r\nBcc: victim@example.test\n<script>x</script>';
    const email = renderEmail({
      template: 'invitation',
      data: { ...base, orgName, inviterName: '<b>Mallory</b>', firstName: '"><img src=x onerror=alert(1)>' },
    });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.subject).toBe('You are invited to join Evil Bcc: victim@example.test <script>x</script>');
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<b>Mallory</b>');
    expect(email.html).not.toContain('<img src=x');
    expect(email.html).toContain('&lt;b&gt;Mallory&lt;/b&gt;');
    // The only image is the pixel; the only link is the invitation link.
    expect(email.html.match(/<img /g)).toHaveLength(1);
    expect(new Set(email.html.match(/href="[^"]*"/g))).toEqual(new Set(['href="http://gatehouse.test/invite/TOKEN123"']));
  });
});

describe('account and renewal templates', () => {
  it('renders verification and reset emails with their links', () => {
    const verify = renderEmail({ template: 'verify_email', data: { link: 'http://gatehouse.test/verify-email/abc' } });
    expect(verify.subject).toBe('Confirm your email address');
    expect(verify.text).toContain('http://gatehouse.test/verify-email/abc');
    expect(verify.html).toContain('href="http://gatehouse.test/verify-email/abc"');
    const reset = renderEmail({ template: 'password_reset', data: { firstName: '<i>Ada</i>', link: 'http://gatehouse.test/reset-password/xyz' } });
    expect(reset.subject).toBe('Reset your password');
    expect(reset.html).toContain('&lt;i&gt;Ada&lt;/i&gt;');
    expect(reset.text).toContain('http://gatehouse.test/reset-password/xyz');
  });

  it('renders the renewal request to the inviter', () => {
    const email = renderEmail({
      template: 'renewal_request',
      data: { orgName: 'Acme', inviteeEmail: 'grace@example.test', inviterName: 'Ada', consoleLink: 'http://gatehouse.test/orgs/1/people/2' },
    });
    expect(email.subject).toBe('grace@example.test asked for a new invitation to Acme');
    expect(email.text).toContain('http://gatehouse.test/orgs/1/people/2');
    expect(email.html).toContain('<table');
  });
});

describe('the look of every email', () => {
  const every = () => [
    renderEmail({ template: 'invitation', data: base }),
    renderEmail({ template: 'invitation', data: { ...base, kind: 'reminder', logoUrl: 'https://cdn.example.test/logo.png', brandColor: '#ffcc00' } }),
    renderEmail({ template: 'verify_email', data: { link: 'http://gatehouse.test/verify-email/abc' } }),
    renderEmail({ template: 'password_reset', data: { firstName: 'Ada', link: 'http://gatehouse.test/reset-password/xyz' } }),
    renderEmail({
      template: 'renewal_request',
      data: { orgName: 'Acme', inviteeEmail: 'grace@example.test', inviterName: 'Ada', consoleLink: 'http://gatehouse.test/orgs/1/people/2' },
    }),
  ];

  it('has a <title>: the subject, escaped', () => {
    for (const email of every()) expect(email.html).toContain(`<title>${escapeHtml(email.subject)}</title>`);
    const evil = renderEmail({ template: 'invitation', data: { ...base, orgName: '</title><script>x</script>' } });
    expect(evil.html).toContain('<title>You are invited to join &lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>');
  });

  it('keeps every text colour at 4.5:1 or more on its background, computed from the palette', () => {
    for (const [text, background] of EMAIL_TEXT_PAIRS) {
      expect(contrastRatio(text, background), `${text} on ${background}`).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
    }
    // And the emails use no colour outside that palette (besides a brand colour and its text colour).
    const palette = new Set<string>(Object.values(EMAIL_PALETTE));
    for (const email of every().slice(2)) {
      const used = new Set([...email.html.matchAll(/#[0-9a-f]{6}\b/gi)].map((m) => m[0].toLowerCase()));
      expect([...used].filter((c) => !palette.has(c) && c !== '#ffffff' && c !== '#000000')).toEqual([]);
    }
  });

  it('puts a brand colour on the button with readable text, and the logo above the text with the org as its alternative text', () => {
    const branded = renderEmail({
      template: 'invitation',
      data: { ...base, logoUrl: 'https://cdn.example.test/logo.png?a=1&b="2"', brandColor: '#ffcc00' },
    });
    expect(branded.html).toContain('bgcolor="#ffcc00"');
    // Yellow takes black text (white on it would be about 1.6:1).
    expect(readableTextOn('#ffcc00')).toBe('#000000');
    expect(branded.html).toMatch(/color:#000000;background-color:#ffcc00/);
    expect(contrastRatio('#000000', '#ffcc00')).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
    expect(branded.html).toContain('<img src="https://cdn.example.test/logo.png?a=1&amp;b=&quot;2&quot;" alt="Acme Clinics"');
    const dark = renderEmail({ template: 'invitation', data: { ...base, brandColor: '#12345a' } });
    expect(dark.html).toMatch(/color:#ffffff;background-color:#12345a/);
    // Without a brand: no logo, the default button.
    expect(renderEmail({ template: 'invitation', data: { ...base, trackingPixelUrl: null } }).html).not.toContain('<img');
  });

  it('every background a brand colour may take keeps one of black or white at 4.5:1', () => {
    for (let value = 0; value < 0x1000000; value += 0x010101 * 7 + 0x0203) {
      const color = `#${value.toString(16).padStart(6, '0')}`;
      expect(contrastRatio(readableTextOn(color), color), color).toBeGreaterThanOrEqual(MIN_TEXT_CONTRAST);
    }
  });
});
