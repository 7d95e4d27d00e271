/**
 * The SSRF guard for webhook URLs: http(s) only, and only to a globally routable unicast
 * address, unless the operator set WEBHOOK_ALLOW_PRIVATE. Loopback, private, link-local,
 * carrier-grade NAT, multicast, broadcast, documentation, benchmarking, reserved and every other
 * special-purpose range (IPv4 or IPv6) is refused. An IPv6 address that carries an IPv4 one
 * (IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, 6to4 2002::/16, NAT64
 * 64:ff9b::/96, Teredo 2001::/32) is judged by the IPv4 address it carries, since that is where
 * the packets end up. A hostname is resolved and EVERY address it resolves to must pass.
 *
 * It runs when an endpoint is registered and again at delivery time, inside the socket's own
 * DNS lookup (`guardedLookup`), so a name that re-points to 127.0.0.1 after registration (DNS
 * rebinding) is refused on the connection that would have used it.
 *
 * One exception (R37, R93): while the dev mailbox is on, the service's own dev receiver,
 * exactly `PUBLIC_URL/api/v1/dev/webhooks` (`devReceiver`, the caller's to give), passes, on a
 * loopback address too. Only that URL as `new URL` writes it: another path, a query or fragment,
 * another port or host spelling, credentials, all meet the guard as usual.
 */
import dns, { type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

export class ForbiddenAddressError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ForbiddenAddressError';
  }
}

const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

function ipv4FromGroups(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/**
 * The IPv4 addresses an IPv6 address carries (both ends of a Teredo address), [] when it carries
 * none, or null when it is an IPv4-embedding form that is never a valid destination.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4[] | null {
  const [g0 = 0, , g2 = 0, g3 = 0, , , g6 = 0, g7 = 0] = address.parts;
  switch (address.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return [ipv4FromGroups(g6, g7)];
    case 'rfc6052':
      // 64:ff9b::/96 carries the IPv4 address in its last 32 bits; 64:ff9b:1::/48 is local-use.
      return g0 === 0x64 && address.parts[2] === 0 ? [ipv4FromGroups(g6, g7)] : null;
    case '6to4':
      return [ipv4FromGroups(address.parts[1] ?? 0, g2)];
    case 'teredo':
      // The Teredo server, and the client's address stored with every bit inverted.
      return [ipv4FromGroups(g2, g3), ipv4FromGroups(~g6 & 0xffff, ~g7 & 0xffff)];
    default:
      // IPv4-compatible ::a.b.c.d (deprecated, never routed).
      return address.parts.slice(0, 6).every((part) => part === 0) ? null : [];
  }
}

/** Why an IP address may not receive webhooks, or null when it may. */
export function forbiddenAddressReason(address: string): string | null {
  const bare = address.replace(/^\[|\]$/g, '');
  if (net.isIP(bare) === 0 || !ipaddr.isValid(bare)) return `${address} is not an IP address`;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv4') {
    const range = parsed.range();
    return range === 'unicast' ? null : `${bare} is a loopback, private or reserved address (${range})`;
  }
  const v6 = ipaddr.IPv6.parse(bare);
  const carried = embeddedIpv4(v6);
  if (carried === null) return `${bare} is a loopback, private or reserved address (special-purpose)`;
  for (const v4 of carried) {
    const range = v4.range();
    if (range !== 'unicast') return `${bare} embeds the private or reserved address ${v4.toString()} (${range})`;
  }
  if (carried.length > 0) return null;
  const range = v6.range();
  if (range !== 'unicast') return `${bare} is a loopback, private or reserved address (${range})`;
  // Only 2000::/3 is allocated as global unicast; the rest of the space is unassigned.
  return v6.match(GLOBAL_UNICAST) ? null : `${bare} is outside the global unicast range 2000::/3`;
}

export type Lookup = (hostname: string, options: LookupAllOptions) => Promise<LookupAddress[]>;

export const systemLookup: Lookup = (hostname, options) => dns.promises.lookup(hostname, options);

/** Whether `url` is exactly the dev receiver's URL (`devReceiver`: null while the receiver is off). */
export function isDevReceiver(url: URL, devReceiver: string | null): boolean {
  return devReceiver !== null && url.href === devReceiver;
}

/**
 * Checks a webhook URL. Returns the parsed URL, or throws ForbiddenAddressError naming why.
 * With `allowPrivate`, only the scheme (and that the host resolves) is checked. The dev
 * receiver's own URL (`devReceiver`, when given) passes without an address check.
 */
export async function checkWebhookUrl(
  raw: string,
  options: { allowPrivate: boolean; lookup?: Lookup; devReceiver?: string | null },
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ForbiddenAddressError('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ForbiddenAddressError('the URL must start with http:// or https://');
  if (url.username !== '' || url.password !== '') throw new ForbiddenAddressError('the URL must not carry credentials');
  if (isDevReceiver(url, options.devReceiver ?? null)) return url;
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
