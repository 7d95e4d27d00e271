import { describe, expect, it } from 'vitest';
import { devReceiverUrl } from './dev-receiver.js';
import { checkWebhookUrl, forbiddenAddressReason, ForbiddenAddressError, isDevReceiver, type Lookup } from './ssrf.js';

const fixed = (addresses: string[]): Lookup => () =>
  Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));

describe('forbiddenAddressReason (SSRF guard)', () => {
  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '0.0.0.0',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    '64:ff9b::a9fe:a9fe',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'ff02::1',
    '[::1]',
  ])('refuses %s', (address) => {
    expect(forbiddenAddressReason(address)).not.toBeNull();
  });

  it.each([
    // 6to4 (2002::/16) carrying loopback, private and metadata addresses
    '2002:7f00:1::',
    '2002:a00:1::1',
    '2002:a9fe:a9fe::',
    '2002:c0a8:101:1::1',
    // IPv4-translated (::ffff:0:0:0/96)
    '::ffff:0:7f00:1',
    '::ffff:0:a9fe:a9fe',
    '0:0:0:0:ffff:0:a00:1',
    // NAT64 well-known prefix, in both spellings, and the local-use NAT64 prefix
    '64:ff9b::127.0.0.1',
    '64:ff9b::a00:1',
    '64:ff9b:1::8.8.8.8',
    // Teredo whose client (bits inverted) or server is private
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    '2001:0:a00:1:8000:63bf:f7f7:f7f7',
    // special-purpose IPv6 ranges and IPv4-compatible addresses
    '2001:db8::1',
    '2001:2::1',
    '100::1',
    '::7f00:1',
    '::808:808',
    '4000::1',
    'fe80::1%eth0',
    // IPv4 special ranges
    '192.0.2.1',
    '198.18.0.1',
    '192.88.99.1',
    '0x7f000001',
  ])('refuses %s, an address that embeds or is a non-public one', (address) => {
    expect(forbiddenAddressReason(address)).not.toBeNull();
  });

  it.each(['2002:808:808::1', '64:ff9b::8.8.8.8', '::ffff:0:808:808', '2001:0:4136:e378:8000:63bf:f7f7:f7f7'])(
    'allows %s, which carries the public address 8.8.8.8 (or public Teredo ends)',
    (address) => {
      expect(forbiddenAddressReason(address)).toBeNull();
    },
  );

  it.each(['not-an-ip', '1.2.3', '::ffff:999.0.0.1'])('refuses %s as not an IP address', (address) => {
    expect(forbiddenAddressReason(address)).not.toBeNull();
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });
});

describe('checkWebhookUrl', () => {
  const refuse = async (url: string, lookup?: Lookup) => {
    const error: unknown = await checkWebhookUrl(url, { allowPrivate: false, ...(lookup === undefined ? {} : { lookup }) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ForbiddenAddressError);
  };

  it('accepts public http(s) URLs', async () => {
    expect((await checkWebhookUrl('https://93.184.215.14/hook', { allowPrivate: false })).href).toBe('https://93.184.215.14/hook');
    expect((await checkWebhookUrl('http://hooks.example.test/x', { allowPrivate: false, lookup: fixed(['93.184.215.14']) })).hostname).toBe('hooks.example.test');
  });

  it('refuses other schemes, credentials and private literals in any spelling', async () => {
    for (const url of [
      'ftp://93.184.215.14/',
      'file:///etc/passwd',
      'gopher://x/',
      'not a url',
      'http://user:pass@93.184.215.14/',
      'http://127.0.0.1:8080/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://[2002:7f00:1::]/',
      'http://[::ffff:0:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
    ]) {
      await refuse(url);
    }
  });

  it('resolves names and refuses when ANY address is private (IPv4 or IPv6)', async () => {
    await refuse('http://localhost/', fixed(['127.0.0.1', '::1']));
    await refuse('http://mixed.example.test/', fixed(['93.184.215.14', '10.0.0.5']));
    await refuse('http://v6.example.test/', fixed(['2606:4700:4700::1111', 'fe80::1']));
    await refuse('http://mapped.example.test/', fixed(['::ffff:169.254.169.254']));
    await refuse('http://sixtofour.example.test/', fixed(['2002:a9fe:a9fe::1']));
    await refuse('http://translated.example.test/', fixed(['::ffff:0:a00:1']));
    await refuse('http://nothing.example.test/', fixed([]));
    await refuse('http://broken.example.test/', () => Promise.reject(new Error('ENOTFOUND')));
  });

  it('lets everything through with allowPrivate, except non-http schemes', async () => {
    expect((await checkWebhookUrl('http://127.0.0.1:9/', { allowPrivate: true })).port).toBe('9');
    await expect(checkWebhookUrl('ftp://127.0.0.1/', { allowPrivate: true })).rejects.toBeInstanceOf(ForbiddenAddressError);
  });
});

describe('the dev receiver exception (R37, R93)', () => {
  const on = devReceiverUrl({ publicUrl: 'http://localhost:3000', smtpUrl: null });
  const loopback = fixed(['127.0.0.1', '::1']);
  const check = (url: string, devReceiver: string | null) => checkWebhookUrl(url, { allowPrivate: false, lookup: loopback, devReceiver });

  it('is exactly PUBLIC_URL + /api/v1/dev/webhooks, and only while the dev mailbox is on', () => {
    expect(on).toBe('http://localhost:3000/api/v1/dev/webhooks');
    expect(devReceiverUrl({ publicUrl: 'https://gatehouse.example.com/base', smtpUrl: null })).toBe('https://gatehouse.example.com/base/api/v1/dev/webhooks');
    expect(devReceiverUrl({ publicUrl: 'http://localhost:3000', smtpUrl: 'smtp://mail.example.com:587' })).toBeNull();
  });

  it('lets the receiver URL through although it resolves to loopback', async () => {
    expect((await check('http://localhost:3000/api/v1/dev/webhooks', on)).href).toBe(on);
    // The same URL as the URL parser writes it (scheme and host case, the default path form).
    expect(isDevReceiver(new URL('HTTP://LOCALHOST:3000/api/v1/dev/webhooks'), on)).toBe(true);
  });

  it('still refuses every other loopback URL, and the receiver itself with SMTP_URL set', async () => {
    await refuseWith('http://localhost:3000/api/v1/dev/webhooks', null);
    for (const url of [
      'http://localhost:3000/',
      'http://localhost:3000/api/v1/dev/mailbox',
      'http://127.0.0.1:3000/api/v1/dev/webhooks',
      'http://[::1]:3000/api/v1/dev/webhooks',
      'http://localhost:3001/api/v1/dev/webhooks',
      'http://localhost/api/v1/dev/webhooks',
      'https://localhost:3000/api/v1/dev/webhooks',
      'http://localhost:3000/api/v1/dev/webhooks/',
      'http://localhost:3000/api/v1/dev/webhooks/x',
      'http://localhost:3000/api/v1/dev/webhooksx',
      'http://localhost:3000/api/v1/dev/webhooks/../mailbox',
      'http://localhost:3000/api/v1/dev/%77ebhooks',
      'http://localhost:3000/api/v1/dev/webhooks?',
      'http://localhost:3000/api/v1/dev/webhooks?next=/api/v1/dev/webhooks',
      'http://localhost:3000/api/v1/dev/webhooks#x',
      'http://user@localhost:3000/api/v1/dev/webhooks',
      'http://user:pass@localhost:3000/api/v1/dev/webhooks',
      'http://localhost:3000@127.0.0.1/api/v1/dev/webhooks',
      'http://localhost:3000/api/v1/dev/webhooks@127.0.0.1:3000/',
      'http://127.0.0.1:3000/http://localhost:3000/api/v1/dev/webhooks',
    ]) {
      await refuseWith(url, on);
    }
  });

  async function refuseWith(url: string, devReceiver: string | null) {
    const error: unknown = await check(url, devReceiver).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, url).toBeInstanceOf(ForbiddenAddressError);
  }
});
