import { BlockList, isIP } from 'node:net';

/**
 * The address a request comes from. Without TRUST_PROXY only the TCP peer counts: a client
 * can write any X-Forwarded-For it likes. With it, X-Forwarded-For is read right to left,
 * each entry appended by the hop before it, as long as that hop is a trusted proxy
 * (TRUSTED_PROXIES); the first address that is not one is the client. Entries left of it
 * were written by the client itself and are never believed.
 */
export class ClientAddressResolver {
  private readonly trusted = new BlockList();

  constructor(
    private readonly trustProxy: boolean,
    trustedProxies: string[],
  ) {
    for (const cidr of trustedProxies) {
      const [address, bits] = cidr.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      this.trusted.addSubnet(address, Number(bits), family);
    }
  }

  resolve(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    let current = normalize(peer ?? '');
    if (!this.trustProxy) return current;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
      .split(',')
      .map((s) => normalize(s.trim()))
      .filter(Boolean);
    while (hops.length && this.isTrusted(current)) {
      const previous = hops.pop() as string;
      if (!isIP(previous)) break; // garbage in the header: stop at the last hop we can vouch for
      current = previous;
    }
    return current;
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    if (!family) return false;
    return this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}
