import type { IncomingMessage } from 'node:http';

/**
 * Who may open the raw killmail feed (INTERNAL_NETWORKS). Addresses are
 * parsed into integers (32 bits for IPv4, 128 for IPv6) and compared under the range's
 * mask. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, what a dual-stack listener
 * reports for IPv4 peers) is matched as the IPv4 address it carries, and also against
 * IPv6 ranges as written.
 */

interface ParsedAddress {
  family: 4 | 6;
  value: bigint;
}

interface Range {
  family: 4 | 6;
  network: bigint;
  mask: bigint;
}

const IPV4_BITS = 32;
const IPV6_BITS = 128;
const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Decimal only: "010" or "0x1" are ambiguous across parsers, so refuse them.
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

function parseIPv6(input: string): bigint | undefined {
  // A zone id (fe80::1%eth0) names an interface, not part of the address.
  const text = input.includes('%') ? input.slice(0, input.indexOf('%')) : input;
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45) return undefined;
  let groups: number[] = [];
  let tail = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) counts as two groups.
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    groups = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    tail = text.slice(0, lastColon + 1);
    if (tail.endsWith(':') && !tail.endsWith('::')) tail = tail.slice(0, -1);
  }
  const halves = tail.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = toGroups(halves[0]);
  const rest = halves.length === 2 ? toGroups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const explicit = head.length + rest.length + groups.length;
  let all: number[];
  if (halves.length === 2) {
    // "::" stands for at least one zero group.
    if (explicit > 7) return undefined;
    all = [...head, ...new Array<number>(8 - explicit).fill(0), ...rest, ...groups];
  } else {
    if (explicit !== 8) return undefined;
    all = [...head, ...groups];
  }
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses an IPv4 or IPv6 address as a socket or a proxy reports it; undefined if it is not one. */
export function parseAddress(text: string | undefined): ParsedAddress | undefined {
  if (!text) return undefined;
  const trimmed = text.trim().replace(/^\[(.*)\]$/, '$1');
  const v4 = parseIPv4(trimmed);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = trimmed.includes(':') ? parseIPv6(trimmed) : undefined;
  return v6 !== undefined ? { family: 6, value: v6 } : undefined;
}

function parseRange(cidr: string): Range {
  const [address, bitsText, extra] = cidr.trim().split('/');
  const parsed = parseAddress(address);
  const bits = Number(bitsText);
  const width = parsed?.family === 4 ? IPV4_BITS : IPV6_BITS;
  if (!parsed || extra !== undefined || !/^\d{1,3}$/.test(bitsText ?? '') || bits > width) {
    throw new Error(`not a CIDR range: ${cidr}`);
  }
  const all = (1n << BigInt(width)) - 1n;
  const mask = bits === 0 ? 0n : (all >> BigInt(width - bits)) << BigInt(width - bits);
  return { family: parsed.family, network: parsed.value & mask, mask };
}

export class NetworkAllowList {
  private readonly ranges: Range[];

  /** Throws on a malformed range (config validation has already refused those). */
  constructor(cidrs: readonly string[]) {
    this.ranges = cidrs.map(parseRange);
  }

  /** True when the address lies in one of the ranges; anything unparsable is outside. */
  contains(address: string | undefined): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    const candidates: ParsedAddress[] = [parsed];
    if (parsed.family === 6 && parsed.value >> 32n === MAPPED_PREFIX >> 32n) {
      candidates.push({ family: 4, value: parsed.value & 0xffffffffn });
    }
    return candidates.some((c) => this.ranges.some((r) => r.family === c.family && (c.value & r.mask) === r.network));
  }
}

/**
 * The addresses a request speaks for. Without TRUST_PROXY only the TCP peer counts
 * (a client can write any X-Forwarded-For it likes). With it, the peer is the proxy and
 * every X-Forwarded-For entry is a hop the request came through; a client can prepend
 * entries but cannot remove the ones trusted proxies append, so requiring ALL of them to
 * be internal refuses spoofs whichever way the chain is read.
 */
function requestAddresses(req: IncomingMessage, trustProxy: boolean): string[] {
  const peer = req.socket.remoteAddress ?? '';
  if (!trustProxy) return [peer];
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [...entries, peer];
}

export function isInternalRequest(req: IncomingMessage, allowList: NetworkAllowList, trustProxy: boolean): boolean {
  const addresses = requestAddresses(req, trustProxy);
  return addresses.length > 0 && addresses.every((a) => allowList.contains(a));
}
