import { describe, expect, it } from 'vitest';
import type { InvitationEmailData } from '../outbox.js';
import { renderEmail } from './index.js';

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
      data: { orgName: 'Acme', inviteeEmail: 'grace@example.test', inviterName: 'Ada', consoleLink: 'http://gatehouse.test/orgs/1/invitations/2' },
    });
    expect(email.subject).toBe('grace@example.test asked for a new invitation to Acme');
    expect(email.text).toContain('http://gatehouse.test/orgs/1/invitations/2');
    expect(email.html).toContain('<table');
  });
});
