/**
 * The SSRF guard for webhook URLs: http(s) only, and no loopback, private, link-local,
 * carrier-grade NAT, multicast, reserved or unspecified address (IPv4 or IPv6, including
 * IPv4-mapped and IPv4-compatible IPv6 such as ::ffff:127.0.0.1), unless the operator set
 * WEBHOOK_ALLOW_PRIVATE. A hostname is resolved and EVERY address it resolves to must pass.
 *
 * It runs when an endpoint is registered and again at delivery time, inside the socket's own
 * DNS lookup (`guardedLookup`), so a name that re-points to 127.0.0.1 after registration (DNS
 * rebinding) is refused on the connection that would have used it.
 */
import dns, { type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import net from 'node:net';

export class ForbiddenAddressError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ForbiddenAddressError';
  }
}

const blocked = new net.BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", includes 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, includes 255.255.255.255
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated); the embedded IPv4 is checked too
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** Expands an IPv6 literal into its 8 groups, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  let text = address.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const parts = dotted[1].split('.').map(Number);
    const [a = 0, b = 0, c = 0, d = 0] = parts;
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' && halves[1] !== undefined ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 && missing !== 0) return null;
  if (missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** The IPv4 address an IPv6 address embeds (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64 64:ff9b::a.b.c.d). */
function embeddedIpv4(groups: number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const zeros5 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  const mapped = zeros5 && g5 === 0xffff;
  const compatible = zeros5 && g5 === 0;
  const nat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (!mapped && !compatible && !nat64) return null;
  return [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff].join('.');
}

/** Why an IP address may not receive webhooks, or null when it may. */
export function forbiddenAddressReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = net.isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4') ? `${bare} is a loopback, private or reserved address` : null;
  if (family !== 6) return `${address} is not an IP address`;
  const groups = ipv6Groups(bare);
  if (groups === null) return `${address} is not an IP address`;
  const v4 = embeddedIpv4(groups);
  if (v4 !== null && blocked.check(v4, 'ipv4')) return `${bare} embeds the private or reserved address ${v4}`;
  if (blocked.check(bare, 'ipv6')) return `${bare} is a loopback, private or reserved address`;
  return null;
}

export type Lookup = (hostname: string, options: LookupAllOptions) => Promise<LookupAddress[]>;

export const systemLookup: Lookup = (hostname, options) => dns.promises.lookup(hostname, options);

/**
 * Checks a webhook URL. Returns the parsed URL, or throws ForbiddenAddressError naming why.
 * With `allowPrivate`, only the scheme (and that the host resolves) is checked.
 */
export async function checkWebhookUrl(raw: string, options: { allowPrivate: boolean; lookup?: Lookup }): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ForbiddenAddressError('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ForbiddenAddressError('the URL must start with http:// or https://');
  if (url.username !== '' || url.password !== '') throw new ForbiddenAddressError('the URL must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new ForbiddenAddressError('the URL has no host');
  if (net.isIP(host) !== 0) {
    const reason = options.allowPrivate ? null : forbiddenAddressReason(host);
    if (reason !== null) throw new ForbiddenAddressError(reason);
    return url;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await (options.lookup ?? systemLookup)(host, { all: true, order: 'verbatim' });
  } catch {
    throw new ForbiddenAddressError(`${host} does not resolve`);
  }
  if (addresses.length === 0) throw new ForbiddenAddressError(`${host} does not resolve`);
  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const reason = forbiddenAddressReason(address);
      if (reason !== null) throw new ForbiddenAddressError(`${host} resolves to ${address}: ${reason}`);
    }
  }
  return url;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request/net.connect that refuses forbidden addresses at connect time.
 * Every address the name resolves to must pass, whichever one the socket would pick.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, []);
        return;
      }
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const reason = forbiddenAddressReason(address);
          if (reason !== null) {
            callback(Object.assign(new ForbiddenAddressError(`${hostname} resolves to ${address}: ${reason}`), { code: 'EFORBIDDEN' }), []);
            return;
          }
        }
      }
      const first = addresses[0];
      if ('all' in options && options.all === true) callback(null, addresses);
      else if (first === undefined) callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), []);
      else callback(null, first.address, first.family);
    });
  };
}
