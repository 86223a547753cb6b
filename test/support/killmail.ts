/** Killmail test helpers: ESI killmail factory, raw /updates clients, and a stand-in for the upstream sequence feed. */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';

export interface EsiKillmail {
  killmail_id: number;
  killmail_time: string;
  solar_system_id: number;
  victim: { character_id?: number; corporation_id?: number; alliance_id?: number; ship_type_id: number; damage_taken?: number };
  attackers: Array<{ character_id?: number; corporation_id?: number; alliance_id?: number; ship_type_id?: number; final_blow?: boolean; damage_done?: number }>;
  zkb?: { totalValue?: number; [key: string]: unknown };
}

let nextId = 100_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

/** A valid killmail with a fresh id; override any part. */
export function esiKillmail(overrides: Partial<EsiKillmail> = {}): EsiKillmail {
  return {
    killmail_id: nextId++,
    killmail_time: '2024-10-22T10:30:00Z',
    solar_system_id: 30000142,
    victim: { character_id: 2112625428, corporation_id: 98765432, alliance_id: 99999999, ship_type_id: 587, damage_taken: 1234 },
    attackers: [{ character_id: 90000001, corporation_id: 98000001, alliance_id: 99000001, ship_type_id: 17740, final_blow: true, damage_done: 1234 }],
    zkb: { totalValue: 10_000_000, points: 1, npc: false },
    ...overrides,
  };
}

export function feedUrl(appUrl: string): string {
  return `${appUrl.replace(/^http/, 'ws')}/updates`;
}

/** Opens /updates; rejects with `{status}` when the upgrade is refused. */
export function openFeed(appUrl: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(feedUrl(appUrl), { headers, perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(Object.assign(new Error(`refused with ${res.statusCode}`), { status: res.statusCode }));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** The HTTP status a refused upgrade got (throws if it was accepted). */
export async function feedRefusal(appUrl: string, headers: Record<string, string> = {}): Promise<number> {
  try {
    const ws = await openFeed(appUrl, headers);
    ws.close();
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status) return status;
    throw err;
  }
  throw new Error('expected the feed to refuse the connection');
}

export interface RawFrame {
  type: string;
  data: Record<string, unknown> & { killmailId: number };
  timestamp: number;
  offset: string;
}

/** Collects parsed frames (and the raw text, to check the shape byte for byte). */
export function collectFrames(ws: WebSocket): RawFrame[] {
  const frames: RawFrame[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as RawFrame));
  return frames;
}

export function nextFrame(ws: WebSocket, timeoutMs = 5000): Promise<RawFrame> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame in time')), timeoutMs);
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      resolve(JSON.parse(data.toString()) as RawFrame);
    });
  });
}

/**
 * A bare TCP client that performs the WebSocket upgrade by hand and then does nothing a
 * ws library would: never answers pings, and (after `pause()`) never reads.
 */
export async function rawUpgrade(appUrl: string): Promise<net.Socket> {
  const { hostname, port } = new URL(appUrl);
  const socket = net.connect({ host: hostname, port: Number(port) });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    'GET /updates HTTP/1.1\r\n' +
      `Host: ${hostname}:${port}\r\n` +
      'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(seen);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
  if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
  return socket;
}

type Fault = 'garbage' | 'timeout' | 'error500' | 'invalid';

/**
 * Stand-in for the upstream sequence feed (zKillboard R2Z2 style): `GET /sequence.json`
 * → `{"sequence": n}`, `GET /{n}.json` → `{killmail_id, hash, esi, zkb}` or 404.
 * Faults can be queued per path; `hold(n)` keeps requests for n open until released.
 */
export class UpstreamStandIn {
  readonly items = new Map<number, EsiKillmail>();
  readonly requests: string[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly held = new Map<number, Array<() => void>>();
  private readonly holding = new Set<number>();
  private server: http.Server | undefined;
  url = '';

  constructor(public sequence: number) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  add(sequence: number, km: EsiKillmail): void {
    this.items.set(sequence, km);
  }

  fault(path: string, ...faults: Fault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  hold(sequence: number): void {
    this.holding.add(sequence);
  }

  release(sequence: number): void {
    this.holding.delete(sequence);
    for (const resume of this.held.get(sequence) ?? []) resume();
    this.held.delete(sequence);
  }

  count(path: string): number {
    return this.requests.filter((r) => r === path).length;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? '/';
    this.requests.push(path);
    const fault = this.faults.get(path)?.shift();
    if (fault === 'timeout') return; // never answers; the poller must give up on its own
    if (fault === 'error500') return void res.writeHead(500).end('upstream broke');
    if (fault === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"killmail_id": 12, "esi": <html>');
    if (path === '/sequence.json') return void this.json(res, { sequence: this.sequence });
    const match = /^\/(\d+)\.json$/.exec(path);
    const n = match ? Number(match[1]) : NaN;
    const km = this.items.get(n);
    if (!km) return void res.writeHead(404).end();
    if (fault === 'invalid') return void this.json(res, { killmail_id: km.killmail_id, esi: { ...km, victim: {} } });
    const send = () => this.json(res, { killmail_id: km.killmail_id, hash: 'abc', esi: { ...km, zkb: undefined }, zkb: km.zkb, sequence_id: n });
    if (this.holding.has(n)) {
      this.held.set(n, [...(this.held.get(n) ?? []), send]);
      return;
    }
    send();
  }

  private json(res: http.ServerResponse, body: unknown): void {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
