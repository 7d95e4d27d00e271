/**
 * The org's logo, brand colour and terms link (docs/rules.md R70–R73): settings validation, the
 * uploaded logo, and what the invitee's page and the invitation email show of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, testApp, type TestApp } from '../test/app.js';
import { ownerWithOrg, uniqueEmail } from '../test/fixtures.js';
import { inviteOk, queuedEmails } from '../test/invitations.js';
import { TINY_PNG } from '../test/matrix/orgs.js';
import { LOGO_MAX_BYTES } from './org.service.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp({ TERMS_URL: 'https://gatehouse.example.test/terms' });
});
afterAll(async () => {
  await t.close();
});

interface OrgAnswer {
  settings: { logoUrl: string | null; logoImage: string | null; brandColor: string | null; termsUrl: string | null };
  updatedAt: string;
}

const patch = (orgId: string, cookie: string, settings: Record<string, unknown>) =>
  t.inject({ method: 'PATCH', url: `/api/v1/orgs/${orgId}`, headers: { cookie }, payload: { settings } });
const getOrg = async (orgId: string, cookie: string) =>
  (await t.inject({ url: `/api/v1/orgs/${orgId}`, headers: { cookie } })).json<OrgAnswer>();
const upload = (orgId: string, cookie: string, data: string) =>
  t.inject({ method: 'PUT', url: `/api/v1/orgs/${orgId}/logo`, headers: { cookie }, payload: { data } });

/** A PNG's signature followed by `size` bytes in all: enough to pass as a PNG by its first bytes. */
function pngOfSize(size: number): string {
  const bytes = Buffer.alloc(size);
  Buffer.from(TINY_PNG, 'base64').copy(bytes);
  return bytes.toString('base64');
}

describe('branding settings', () => {
  it('saves a brand colour lower case, https logo and terms URLs, and clears them with null', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const res = await patch(org.id, cookie, { brandColor: '#1A7F37', logoUrl: 'https://cdn.example.test/logo.png', termsUrl: 'https://acme.example.test/terms' });
    expect(res.statusCode).toBe(200);
    expect(res.json<OrgAnswer>().settings).toEqual({
      ...res.json<OrgAnswer>().settings,
      brandColor: '#1a7f37',
      logoUrl: 'https://cdn.example.test/logo.png',
      logoImage: null,
      termsUrl: 'https://acme.example.test/terms',
    });
    const cleared = await patch(org.id, cookie, { brandColor: null, logoUrl: null, termsUrl: null });
    expect(cleared.json<OrgAnswer>().settings).toMatchObject({ brandColor: null, logoUrl: null, termsUrl: null });
  });

  it.each([['red'], ['#abc'], ['#12345g'], ['1a7f37'], ['#1a7f37 '], [12]])('refuses the brand colour %j: 400 VALIDATION_FAILED, nothing changed', async (brandColor) => {
    const { org, cookie } = await ownerWithOrg(t);
    await patch(org.id, cookie, { brandColor: '#123456' });
    const before = await getOrg(org.id, cookie);
    const res = await patch(org.id, cookie, { brandColor, termsUrl: 'https://acme.example.test/terms' });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await getOrg(org.id, cookie)).toEqual(before);
  });

  it.each([
    ['logoUrl', 'http://cdn.example.test/logo.png'],
    ['logoUrl', 'javascript:alert(1)'],
    ['logoUrl', 'data:image/png;base64,AAAA'],
    ['logoUrl', 'not a url'],
    ['logoUrl', 'https://user:secret@cdn.example.test/logo.png'],
    ['termsUrl', 'http://acme.example.test/terms'],
    ['termsUrl', 'ftp://acme.example.test/terms'],
    ['termsUrl', `https://acme.example.test/${'a'.repeat(2000)}`],
  ])('refuses %s %j: 400 VALIDATION_FAILED on the field, nothing changed', async (field, value) => {
    const { org, cookie } = await ownerWithOrg(t);
    const before = await getOrg(org.id, cookie);
    const res = await patch(org.id, cookie, { brandColor: '#000000', [field]: value });
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
    expect(res.json<{ error: { details: { path: string }[] } }>().error.details[0]?.path).toContain(field);
    expect(await getOrg(org.id, cookie)).toEqual(before);
  });
});

describe('an uploaded logo', () => {
  it('stores a PNG, serves it to anyone (cross-origin, cached), and a logo URL replaces it', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await patch(org.id, cookie, { logoUrl: 'https://cdn.example.test/logo.png' });
    const res = await upload(org.id, cookie, TINY_PNG);
    expect(res.statusCode).toBe(200);
    const { logoImage, logoUrl } = res.json<OrgAnswer>().settings;
    expect(logoUrl).toBeNull();
    expect(logoImage).toMatch(new RegExp(`^/api/v1/logos/${org.id}\\?v=[0-9a-f]{16}$`));
    const image = await t.app.inject({ url: logoImage ?? '' });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(image.headers['cache-control']).toBe('public, max-age=86400');
    expect(image.rawPayload.equals(Buffer.from(TINY_PNG, 'base64'))).toBe(true);

    await patch(org.id, cookie, { logoUrl: 'https://cdn.example.test/other.png' });
    const gone = await t.app.inject({ url: `/api/v1/logos/${org.id}` });
    expect([gone.statusCode, errorCode(gone)]).toEqual([404, 'LOGO_NOT_FOUND']);
    expect((await getOrg(org.id, cookie)).settings.logoImage).toBeNull();
  });

  it('takes a JPEG by its bytes, and DELETE removes the logo', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]).toString('base64');
    expect((await upload(org.id, cookie, jpeg)).statusCode).toBe(200);
    expect((await t.app.inject({ url: `/api/v1/logos/${org.id}` })).headers['content-type']).toBe('image/jpeg');
    const removed = await t.inject({ method: 'DELETE', url: `/api/v1/orgs/${org.id}/logo`, headers: { cookie } });
    expect(removed.json<OrgAnswer>().settings).toMatchObject({ logoImage: null, logoUrl: null });
    expect((await t.app.inject({ url: `/api/v1/logos/${org.id}` })).statusCode).toBe(404);
  });

  it('refuses an image over 100 KB: 413 LOGO_TOO_LARGE, nothing changed', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await upload(org.id, cookie, TINY_PNG);
    const before = await getOrg(org.id, cookie);
    expect((await upload(org.id, cookie, pngOfSize(LOGO_MAX_BYTES))).statusCode).toBe(200);
    await upload(org.id, cookie, TINY_PNG);
    const after = await getOrg(org.id, cookie);
    const res = await upload(org.id, cookie, pngOfSize(LOGO_MAX_BYTES + 1));
    expect([res.statusCode, errorCode(res)]).toEqual([413, 'LOGO_TOO_LARGE']);
    expect(await getOrg(org.id, cookie)).toEqual(after);
    expect(after.settings.logoImage).toBe(before.settings.logoImage);
    const image = await t.app.inject({ url: `/api/v1/logos/${org.id}` });
    expect(image.rawPayload.equals(Buffer.from(TINY_PNG, 'base64'))).toBe(true);
  });

  it.each([
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64')],
    ['an SVG with an XML declaration', Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64')],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00').toString('base64')],
    ['HTML', Buffer.from('<!doctype html><p>hi').toString('base64')],
  ])('refuses %s: 415 LOGO_TYPE_UNSUPPORTED, nothing changed', async (_name, data) => {
    const { org, cookie } = await ownerWithOrg(t);
    const before = await getOrg(org.id, cookie);
    const res = await upload(org.id, cookie, data);
    expect([res.statusCode, errorCode(res)]).toEqual([415, 'LOGO_TYPE_UNSUPPORTED']);
    expect(await getOrg(org.id, cookie)).toEqual(before);
    expect((await t.app.inject({ url: `/api/v1/logos/${org.id}` })).statusCode).toBe(404);
  });

  it('refuses a body that is not base64: 400 VALIDATION_FAILED', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    const res = await upload(org.id, cookie, 'not base64!');
    expect([res.statusCode, errorCode(res)]).toEqual([400, 'VALIDATION_FAILED']);
  });
});

describe('what the invitee sees', () => {
  const lookup = async (token: string) =>
    (await t.inject({ method: 'POST', url: '/api/v1/invitations/lookup', payload: { token } })).json<{
      invitation: { branding: Record<string, string | null>; roleSummary: string | null };
    }>().invitation;

  it("shows a trusted org's logo, colour with a readable text colour, terms, and what the role allows; the email carries logo and colour", async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await upload(org.id, cookie, TINY_PNG);
    await patch(org.id, cookie, { brandColor: '#ffcc00', termsUrl: 'https://acme.example.test/terms' });
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'admin' });
    const seen = await lookup(token);
    const { logoImage } = (await getOrg(org.id, cookie)).settings;
    expect(seen.branding).toEqual({ logoUrl: logoImage, brandColor: '#ffcc00', brandTextColor: '#000000', termsUrl: 'https://acme.example.test/terms' });
    expect(seen.roleSummary).toBe(
      "Can invite people and manage their invitations, change who has access and with which role, define roles, change the organization's settings and manage API keys and webhooks.",
    );
    const email = (await queuedEmails(t, invitation.id)).find((e) => e.payload.template === 'invitation');
    expect(email?.payload.data).toMatchObject({ logoUrl: `http://gatehouse.test${logoImage ?? ''}`, brandColor: '#ffcc00' });
  });

  it('falls back to the instance terms (TERMS_URL), says what a read-only role allows, and shows no logo or colour of an untrusted org', async () => {
    const { org, cookie } = await ownerWithOrg(t);
    await patch(org.id, cookie, { brandColor: '#12345a', logoUrl: 'https://cdn.example.test/logo.png' });
    await t.ctx.db.updateTable('orgs').set({ trusted: false }).where('id', '=', org.id).execute();
    const { invitation, token } = await inviteOk(t, cookie, org.id, { email: uniqueEmail(), role: 'viewer' });
    const seen = await lookup(token);
    expect(seen.branding).toEqual({ logoUrl: null, brandColor: null, brandTextColor: null, termsUrl: 'https://gatehouse.example.test/terms' });
    expect(seen.roleSummary).toBe('Can see the organization and who has access; cannot change anything.');
    const email = (await queuedEmails(t, invitation.id)).find((e) => e.payload.template === 'invitation');
    expect(email?.payload.data).toMatchObject({ logoUrl: null, brandColor: null });
  });
});
