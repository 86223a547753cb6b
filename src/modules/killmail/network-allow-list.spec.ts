import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { isInternalRequest, NetworkAllowList, parseAddress } from './network-allow-list';

const DEFAULTS = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

const v4Text = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const v6Full = (groups: number[]) => groups.map((g) => g.toString(16).padStart(4, '0')).join(':');
/** RFC 5952 style: leading zeros dropped, the longest run of zero groups (≥ 2) as "::". */
function v6Compressed(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const group = fc.integer({ min: 0, max: 0xffff });
/** Mostly-zero groups too, so "::" compression is exercised. */
const groups = fc.array(fc.oneof(group, fc.constant(0)), { minLength: 8, maxLength: 8 });

describe('NetworkAllowList', () => {
  it('accepts loopback and private peers and refuses public ones with the default ranges', () => {
    const list = new NetworkAllowList(DEFAULTS);
    for (const inside of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '[::1]', '10.200.3.4', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fd12:3456::1', 'fc00::', '::ffff:10.0.0.1', '::ffff:a00:1']) {
      expect([inside, list.contains(inside)]).toEqual([inside, true]);
    }
    for (const outside of ['8.8.8.8', '172.32.0.1', '172.15.255.255', '11.0.0.1', '2001:db8::1', '::ffff:8.8.8.8', '::2', 'fe80::1', 'localhost', '', '127.0.0.1.5', '0177.0.0.1', '::ffff:127.0.0.256']) {
      expect([outside, list.contains(outside)]).toEqual([outside, false]);
    }
    expect(new NetworkAllowList([]).contains('127.0.0.1')).toBe(false);
  });

  it('matches IPv4 ranges exactly as node:net BlockList does', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 32 }), u32, (network, prefix, candidate) => {
        const oracle = new BlockList();
        oracle.addSubnet(v4Text(network), prefix, 'ipv4');
        const list = new NetworkAllowList([`${v4Text(network)}/${prefix}`]);
        expect(list.contains(v4Text(candidate))).toBe(oracle.check(v4Text(candidate), 'ipv4'));
        // the range's own address is always inside; flipping a bit inside the prefix leaves it
        expect(list.contains(v4Text(network))).toBe(true);
        if (prefix > 0) {
          const flipped = (network ^ (1 << (32 - prefix))) >>> 0;
          expect(list.contains(v4Text(flipped))).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('matches IPv6 ranges as BlockList does, whatever the textual form', () => {
    fc.assert(
      fc.property(groups, fc.integer({ min: 0, max: 128 }), groups, (network, prefix, candidate) => {
        const oracle = new BlockList();
        oracle.addSubnet(v6Full(network), prefix, 'ipv6');
        const list = new NetworkAllowList([`${v6Compressed(network)}/${prefix}`]);
        const expected = oracle.check(v6Full(candidate), 'ipv6');
        for (const form of [v6Full(candidate), v6Compressed(candidate), v6Compressed(candidate).toUpperCase(), `[${v6Compressed(candidate)}]`]) {
          expect(list.contains(form)).toBe(expected);
        }
        expect(list.contains(v6Compressed(network))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('treats an IPv4-mapped IPv6 address like the IPv4 address it carries', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 32 }), u32, (network, prefix, candidate) => {
        const list = new NetworkAllowList([`${v4Text(network)}/${prefix}`]);
        const plain = list.contains(v4Text(candidate));
        const hex = `::ffff:${(candidate >>> 16).toString(16)}:${(candidate & 0xffff).toString(16)}`;
        expect(list.contains(`::ffff:${v4Text(candidate)}`)).toBe(plain);
        expect(list.contains(hex)).toBe(plain);
        expect(list.contains(`0:0:0:0:0:ffff:${v4Text(candidate)}`)).toBe(plain);
        // but not an IPv4-compatible or NAT64 address, which are different hosts
        expect(list.contains(`::${v4Text(candidate)}`)).toBe(false);
        expect(list.contains(`64:ff9b::${v4Text(candidate)}`)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on garbage and only ever accepts real addresses', () => {
    const list = new NetworkAllowList(['0.0.0.0/0', '::/0']);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef:.%[]/ ') })), (text) => {
        const accepted = list.contains(text);
        if (accepted) {
          const bare = text.trim().replace(/^\[(.*)\]$/, '$1').split('%')[0];
          expect(isIP(bare)).not.toBe(0);
        }
      }),
      { numRuns: 2000 },
    );
    expect(parseAddress('1.2.3.4')).toEqual({ family: 4, value: 0x01020304n });
  });

  it('refuses malformed ranges', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', 'x/8', '10.0.0.0/8/1']) {
      expect(() => new NetworkAllowList([bad])).toThrow(/not a CIDR range/);
    }
  });
});

describe('isInternalRequest', () => {
  const list = new NetworkAllowList(['10.0.0.0/8', '127.0.0.1/32']);
  const req = (remoteAddress: string, xff?: string | string[]) =>
    ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as IncomingMessage;

  it('believes X-Forwarded-For only with TRUST_PROXY, and then every hop must be internal', () => {
    // without TRUST_PROXY the header is ignored, whatever it says
    expect(isInternalRequest(req('203.0.113.7', '10.1.2.3'), list, false)).toBe(false);
    expect(isInternalRequest(req('10.1.2.3', '203.0.113.7'), list, false)).toBe(true);
    // with it: the proxy and every forwarded address must be internal
    expect(isInternalRequest(req('127.0.0.1', '10.1.2.3'), list, true)).toBe(true);
    expect(isInternalRequest(req('127.0.0.1', '203.0.113.7'), list, true)).toBe(false);
    expect(isInternalRequest(req('127.0.0.1', '10.1.2.3, 203.0.113.7'), list, true)).toBe(false);
    expect(isInternalRequest(req('127.0.0.1', ['10.1.2.3', '203.0.113.7']), list, true)).toBe(false);
    expect(isInternalRequest(req('203.0.113.7', '10.1.2.3'), list, true)).toBe(false);
    expect(isInternalRequest(req('127.0.0.1', 'garbage'), list, true)).toBe(false);
    expect(isInternalRequest(req('127.0.0.1'), list, true)).toBe(true);
  });
});
