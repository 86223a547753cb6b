import { createShardedAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as NetSocket } from 'node:net';
import { type Namespace, Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import WebSocket from 'ws';
import {
  adapterServerSideEmit,
  broadcastEvent,
  coalesceHeartbeats,
  dropConnection,
  encodeEvent,
  forgetChildNamespace,
  hookBroadcasts,
  interceptBroadcastWrites,
  namespacesOf,
  queuedBytes,
  rawWriter,
  writeBroadcast,
  type OutgoingPacket,
} from './socketio-internals';

/**
 * Checks, against a real Socket.IO server and client, every assumption socketio-internals.ts
 * makes about private parts of socket.io, engine.io, socket.io-adapter and ws. When an upgrade
 * breaks one, the failure names it: read the function's comment, adapt it, then the pin.
 */
function assume(name: string, holds: boolean, detail = ''): void {
  if (!holds) throw new Error(`Socket.IO internals changed: "${name}" no longer holds${detail ? ` (${detail})` : ''}. See src/core/realtime/socketio-internals.ts.`);
}

const NSP = '/internals';

jest.setTimeout(15_000);

let http: HttpServer;
let io: Server;
let url: string;
const clients: ClientSocket[] = [];

beforeEach(async () => {
  http = createServer();
  io = new Server(http, { transports: ['websocket'], perMessageDeflate: false });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await new Promise<void>((resolve) => void io.close(() => resolve()));
});

/** A connected client and the server's socket for it. */
async function pair(nsp: Namespace = io.of(NSP)): Promise<{ client: ClientSocket; socket: Socket }> {
  const serverSide = new Promise<Socket>((resolve) => nsp.once('connection', resolve));
  const client = connect(`${url}${nsp.name}`, { transports: ['websocket'], forceNew: true, reconnection: false });
  clients.push(client);
  const [socket] = await Promise.all([serverSide, new Promise<void>((resolve) => client.once('connect', () => resolve()))]);
  return { client, socket };
}

const next = <T = unknown>(client: ClientSocket, event: string) => new Promise<T>((resolve) => client.once(event, (p: T) => resolve(p)));

/** Client-side events in arrival order. */
function record(client: ClientSocket): string[] {
  const seen: string[] = [];
  client.onAny((event: string, payload: { n?: number } | undefined) => seen.push(payload?.n === undefined ? event : `${event}:${payload.n}`));
  return seen;
}

describe('socketio-internals (assumptions about private Socket.IO APIs)', () => {
  it('Server._nsps is a Map of the created namespaces (namespacesOf)', () => {
    const nsp = io.of(NSP);
    assume('Server._nsps is a Map<string, Namespace>', io._nsps instanceof Map && io._nsps.get(NSP) === nsp);
    expect(namespacesOf(io)).toContain(nsp);
  });

  it("a parent namespace keeps its children in a private Set 'children' (forgetChildNamespace)", async () => {
    const parent = io.of(/^\/dyn-[a-z]+$/);
    const created = new Promise<Namespace>((resolve) => io.once('new_namespace', resolve));
    const client = connect(`${url}/dyn-abc`, { transports: ['websocket'], forceNew: true, reconnection: false });
    clients.push(client);
    const child = await created;
    const children = (parent as unknown as { children?: unknown }).children;
    assume('ParentNamespace.children is a Set<Namespace> holding the created child', children instanceof Set && children.has(child));
    expect(forgetChildNamespace(io, io.of(NSP), child)).toBe(false); // not that namespace's child
    expect(forgetChildNamespace(io, parent, child)).toBe(true);
    expect(namespacesOf(io)).not.toContain(child);
    expect((children as Set<Namespace>).has(child)).toBe(false);
  });

  it('the adapter encodes a broadcast with _encode, then visits the sockets with apply (hookBroadcasts)', async () => {
    const nsp = io.of(NSP);
    const adapter = nsp.adapter as unknown as Record<string, unknown>;
    assume('Adapter._encode is a method', typeof adapter._encode === 'function');
    assume('Adapter.apply is a method', typeof adapter.apply === 'function');
    const { client, socket } = await pair(nsp);
    await socket.join('room');
    const calls: string[] = [];
    hookBroadcasts(nsp, {
      encoding: (packet) => calls.push(`encode:${String(packet.data?.[0])}`),
      apply: (opts, callback, original) => {
        calls.push(`apply:${[...(opts.rooms ?? [])].join(',')}`);
        original(opts, callback);
      },
    });
    const got = next<{ n: number }>(client, 'hello');
    nsp.to('room').emit('hello', { n: 1 });
    await expect(got).resolves.toEqual({ n: 1 });
    assume('a broadcast calls _encode once, then apply once', calls.join(' ') === 'encode:hello apply:room', calls.join(' '));

    calls.length = 0;
    const sockets = await nsp.in('room').fetchSockets();
    expect(sockets.map((s) => s.id)).toEqual([socket.id]);
    assume('fetchSockets goes through apply without _encode', calls.join(' ') === 'apply:room', calls.join(' '));
  });

  it('a hooked broadcast is encoded on its first socket, once, and not at all when it reaches none (hookBroadcasts)', async () => {
    const nsp = io.of(NSP);
    const adapter = nsp.adapter as unknown as { encoder: { encode(packet: unknown): unknown[] } };
    assume('the adapter encodes with its encoder.encode', typeof adapter.encoder?.encode === 'function');
    const encode = adapter.encoder.encode.bind(adapter.encoder);
    let encodings = 0;
    adapter.encoder.encode = (packet) => {
      encodings++;
      return encode(packet);
    };
    const [a, b] = [await pair(nsp), await pair(nsp)];
    await a.socket.join('room');
    await b.socket.join('room');
    encodings = 0; // the connections' own packets went through it too
    const held: Array<() => void> = [];
    hookBroadcasts(nsp, {
      encoding: () => undefined,
      // Broadcasts to 'later' are held, as the delivery sequencer holds one whose predecessors have not arrived.
      apply: (opts, callback, original) => (opts.rooms?.has('later') ? held.push(() => original(opts, callback)) : original(opts, callback)),
    });

    nsp.to('nobody-here').emit('unseen', { n: 0 });
    expect(encodings).toBe(0);

    const got = [next(a.client, 'hello'), next(b.client, 'hello')];
    nsp.to('room').emit('hello', { n: 1 });
    await expect(Promise.all(got)).resolves.toEqual([{ n: 1 }, { n: 1 }]);
    expect(encodings).toBe(1);

    await a.socket.join('later');
    const late = next(a.client, 'late');
    nsp.to('later').emit('late', { n: 2 });
    expect(encodings).toBe(1);
    held.splice(0).forEach((deliver) => deliver());
    await expect(late).resolves.toEqual({ n: 2 });
    expect(encodings).toBe(2);
  });

  it('the returned apply reaches the hooked one, and writeBroadcast notifies outgoing listeners then writes (hookBroadcasts, writeBroadcast)', async () => {
    const nsp = io.of(NSP);
    const { client, socket } = await pair(nsp);
    await socket.join('room');
    let hooked = 0;
    const apply = hookBroadcasts(nsp, {
      encoding: () => undefined,
      apply: (opts, callback, original) => {
        hooked++;
        original(opts, callback);
      },
    });
    const outgoing: unknown[] = [];
    socket.onAnyOutgoing((...args: unknown[]) => outgoing.push(args));
    const encoded = encodeEvent(io, NSP, ['injected', { n: 7 }]);
    const packet: OutgoingPacket = { type: 2, nsp: NSP, data: ['injected', { n: 7 }] };
    const got = next(client, 'injected');
    apply({ rooms: new Set(['room']), except: new Set() }, (s) => writeBroadcast(s, packet, encoded.packets, encoded.opts));
    await expect(got).resolves.toEqual({ n: 7 });
    expect(hooked).toBe(1);
    assume('Socket.notifyOutgoingListeners(packet) feeds onAnyOutgoing', JSON.stringify(outgoing) === JSON.stringify([['injected', { n: 7 }]]));
  });

  it("the WebSocket transport sends a pre-encoded frame as is (ws Sender.frame, engine.io's wsPreEncodedFrame)", async () => {
    const { client, socket } = await pair();
    const framed = encodeEvent(io, NSP, ['framed', { n: 1 }]);
    assume('ws exports Sender.frame, so a frame is built', Array.isArray(framed.opts.wsPreEncodedFrame));
    const transportSocket = (socket.conn as unknown as { transport: { socket?: { _sender?: { sendFrame?: unknown } } } }).transport.socket;
    assume("engine.io's WebSocket transport wraps a ws WebSocket with _sender.sendFrame", typeof transportSocket?._sender?.sendFrame === 'function');
    // Packets of one event with the frame of another: what the client gets proves which was sent.
    const other = encodeEvent(io, NSP, ['unframed', { n: 2 }]);
    const seen = record(client);
    rawWriter(socket).writeEncoded(other.packets, framed.opts);
    rawWriter(socket).sendEvent('marker', { n: 3 });
    await next(client, 'marker');
    assume('engine.io writes opts.wsPreEncodedFrame instead of encoding the packets', seen.join(' ') === 'framed:1 marker:3', seen.join(' '));
  });

  it('a broadcast frame is built as one buffer, which ws writes to each socket in one plain write (oneBufferFrame)', async () => {
    const nsp = io.of(NSP);
    const [a, b] = [await pair(nsp), await pair(nsp)];
    await a.socket.join('room');
    await b.socket.join('room');
    hookBroadcasts(nsp, { encoding: () => undefined, apply: (opts, callback, original) => original(opts, callback) });
    const calls: string[] = [];
    for (const { socket } of [a, b]) {
      const tcp = (socket.conn as unknown as { transport: { socket: { _socket: NetSocket } } }).transport.socket._socket;
      const write = tcp.write.bind(tcp) as (...args: unknown[]) => boolean;
      const cork = tcp.cork.bind(tcp);
      tcp.write = (...args: unknown[]) => {
        calls.push('write');
        return write(...args);
      };
      tcp.cork = () => {
        calls.push('cork');
        cork();
      };
    }
    const got = [next(a.client, 'hello'), next(b.client, 'hello')];
    nsp.to('room').emit('hello', { n: 1, text: 'x'.repeat(200) });
    await expect(Promise.all(got)).resolves.toEqual([
      { n: 1, text: 'x'.repeat(200) },
      { n: 1, text: 'x'.repeat(200) },
    ]);
    assume('ws sendFrame writes a one-buffer frame with a single write, no cork', calls.join(' ') === 'write write', calls.join(' '));
    expect(encodeEvent(io, NSP, ['framed', { n: 2 }]).opts.wsPreEncodedFrame).toHaveLength(1);
  });

  it('Client.writeToEngine and Client._packet write to one socket (rawWriter)', async () => {
    const { client, socket } = await pair();
    const c = socket.client as unknown as Record<string, unknown>;
    assume('Client.writeToEngine is a method', typeof c.writeToEngine === 'function');
    assume('Client._packet is a method', typeof c._packet === 'function');
    const seen = record(client);
    const writer = rawWriter(socket);
    const encoded = encodeEvent(io, NSP, ['first', { n: 1 }]);
    writer.writeEncoded(encoded.packets, { preEncoded: true }); // without a frame: engine.io encodes the packets
    writer.sendEvent('second', { n: 2 });
    await next(client, 'second');
    expect(seen).toEqual(['first:1', 'second:2']);
  });

  it('broadcastEvent is nsp.to(rooms).except(except).emit(event, payload): once per socket, through the hooked adapter (broadcastEvent)', async () => {
    const nsp = io.of(NSP);
    const a = await pair(nsp);
    const b = await pair(nsp);
    const c = await pair(nsp);
    await Promise.all([a.socket.join(['r1', 'r2']), b.socket.join('r2'), c.socket.join(['r1', 'muted'])]);
    const encoded: unknown[] = [];
    hookBroadcasts(nsp, { encoding: (packet) => encoded.push(packet.data), apply: (opts, callback, original) => original(opts, callback) });
    const seen = [a, b, c].map(({ client }) => record(client));
    broadcastEvent(nsp, 'news', { n: 1 }, ['r1', 'r2'], ['muted']);
    broadcastEvent(nsp, 'news', { n: 2 }, ['r2']);
    await Promise.all([next(a.client, 'news'), next(b.client, 'news')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual([['news:1', 'news:2'], ['news:1', 'news:2'], []]);
    assume('the adapter encodes what broadcastEvent passes as an EVENT packet', JSON.stringify(encoded) === JSON.stringify([['news', { n: 1 }], ['news', { n: 2 }]]), JSON.stringify(encoded));
    expect(() => broadcastEvent(nsp, 'disconnect', {}, ['r1'])).toThrow(/reserved/);
  });

  it('a broadcast to a socket is notifyOutgoingListeners(packet) then client.writeToEngine (interceptBroadcastWrites)', async () => {
    const nsp = io.of(NSP);
    const { client, socket } = await pair(nsp);
    await socket.join('room');
    assume('Socket.notifyOutgoingListeners is a prototype method', typeof (Object.getPrototypeOf(socket) as Record<string, unknown>).notifyOutgoingListeners === 'function');
    const originalClient = socket.client;
    const writer = rawWriter(socket);
    const held: Array<{ packet?: OutgoingPacket; encoded: unknown; opts: unknown }> = [];
    const release = interceptBroadcastWrites(socket, (packet, encoded, opts) => {
      if (!packet) return false;
      held.push({ packet, encoded, opts });
      return true;
    });
    const seen = record(client);
    nsp.to('room').emit('live', { n: 1 });
    writer.sendEvent('own', { n: 2 }); // past the interception
    await next(client, 'own');
    assume('a broadcast reaches the socket as notifyOutgoingListeners(packet), then writeToEngine', held.length === 1 && held[0].packet?.data?.[0] === 'live', JSON.stringify(held.map((h) => h.packet)));
    expect(seen).toEqual(['own:2']);

    release();
    expect(socket.client).toBe(originalClient);
    expect(Object.prototype.hasOwnProperty.call(socket, 'notifyOutgoingListeners')).toBe(false);
    writer.writeEncoded(held[0].encoded, held[0].opts);
    nsp.to('room').emit('after', { n: 3 });
    await next(client, 'after');
    expect(seen).toEqual(['own:2', 'live:1', 'after:3']);
  });

  it('Engine.IO exposes writable, writeBuffer and the ws socket over a net.Socket (queuedBytes, dropConnection)', async () => {
    const { client, socket } = await pair();
    const conn = socket.conn as unknown as {
      writeBuffer?: unknown;
      transport: { writable?: unknown; socket?: { bufferedAmount?: unknown; terminate?: unknown; _socket?: NetSocket } };
      close: (discard?: boolean) => void;
    };
    assume('conn.writeBuffer is an array', Array.isArray(conn.writeBuffer));
    assume('conn.transport.writable is a boolean', typeof conn.transport.writable === 'boolean');
    assume('the transport socket has bufferedAmount', typeof conn.transport.socket?.bufferedAmount === 'number');
    assume('the transport socket has terminate()', typeof conn.transport.socket?.terminate === 'function');
    assume('the transport socket has the net.Socket as _socket', typeof conn.transport.socket?._socket?.writableLength === 'number');
    expect(queuedBytes(socket)).toBe(0); // idle

    // A client that stops reading: what the server writes piles up until queuedBytes sees it.
    (client.io.engine.transport as unknown as { ws: { _socket: NetSocket } }).ws._socket.pause();
    const writer = rawWriter(socket);
    const chunk = 'x'.repeat(1 << 20);
    let queued = 0;
    for (let i = 0; i < 64 && queued < 1 << 20; i++) {
      writer.sendEvent('bulk', chunk);
      await new Promise((resolve) => setImmediate(resolve));
      queued = queuedBytes(socket);
    }
    assume('bytes a peer does not read show in queuedBytes', queued >= 1 << 20, `${queued} bytes`);

    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    dropConnection(socket);
    await disconnected;
    expect(socket.connected).toBe(false);
    expect(socket.conn.readyState).toBe('closed');
  });

  it('the engine hands over a websocket transport with send() and the ws net.Socket (coalesceWebSocketWrites)', async () => {
    const engineSocket = new Promise<{ transport: { name?: string; send?: unknown; socket?: { _socket?: NetSocket } } }>((resolve) =>
      io.engine.once('connection', resolve),
    );
    await pair();
    const { transport } = await engineSocket;
    assume('engine connection transport is named "websocket"', transport.name === 'websocket');
    assume('transport.send is a method', typeof transport.send === 'function');
    assume('transport.socket._socket can be corked', typeof transport.socket?._socket?.cork === 'function');
  });

  it("the Redis adapter's serverSideEmit returns a promise and carries acks between instances (adapterServerSideEmit)", async () => {
    const redisUrl = process.env.HERALD_TEST_REDIS_URL;
    if (!redisUrl) throw new Error('HERALD_TEST_REDIS_URL is set by the global setup');
    const connections = Array.from({ length: 4 }, () => new Redis(redisUrl));
    const prefix = `internals-spec-${process.pid}-${Date.now()}`;
    const a = new Server(createServer(), { adapter: createShardedAdapter(connections[0], connections[1], { channelPrefix: prefix, subscriptionMode: 'static' }) });
    const b = new Server(createServer(), { adapter: createShardedAdapter(connections[2], connections[3], { channelPrefix: prefix, subscriptionMode: 'static' }) });
    try {
      const nspA = a.of(NSP);
      b.of(NSP).on('count', (n: number, ack: (v: number) => void) => ack(n + 1));
      // Both subscribed before the request (subscriptions are asynchronous).
      await Promise.all(connections.map((c) => (c.status === 'ready' ? Promise.resolve() : new Promise((resolve) => c.once('ready', resolve)))));
      let result: unknown[] | undefined;
      for (let attempt = 0; attempt < 20 && !result?.length; attempt++) {
        result = await new Promise<unknown[]>((resolve, reject) => {
          const sent = adapterServerSideEmit(nspA, ['count', 41, (err: Error | null, responses: unknown[]) => (err ? resolve([]) : resolve(responses))]);
          assume("the Redis adapter's serverSideEmit returns a promise", typeof (sent as Promise<unknown>)?.then === 'function');
          (sent as Promise<unknown>).catch(reject);
        });
      }
      expect(result).toEqual([42]);
    } finally {
      await Promise.all([new Promise((r) => void a.close(r)), new Promise((r) => void b.close(r))]);
      for (const c of connections) c.disconnect();
    }
  });

  describe('coalesceHeartbeats', () => {
    const INTERVAL_MS = 200;
    const SLOT_MS = 100;
    let hb: { http: HttpServer; io: Server; url: string };

    beforeEach(async () => {
      const server = createServer();
      const heartbeatIo = new Server(server, { transports: ['websocket'], pingInterval: INTERVAL_MS, pingTimeout: 150 });
      heartbeatIo.of(NSP);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      hb = { http: server, io: heartbeatIo, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    });
    afterEach(async () => {
      await new Promise<void>((resolve) => void hb.io.close(() => resolve()));
    });

    it("Engine.IO arms pingIntervalTimer on open, refresh()es it on pong and pings through sendPacket and resetPingTimeout", async () => {
      const opened = new Promise<Record<string, unknown>>((resolve) => hb.io.engine.once('connection', resolve));
      const client = connect(`${hb.url}${NSP}`, { transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(client);
      const socket = await opened;
      const timer = socket.pingIntervalTimer as { refresh?: unknown; _onTimeout?: unknown } | null;
      assume('pingIntervalTimer is a Node timer once the socket is open', typeof timer?.refresh === 'function' && typeof timer?._onTimeout === 'function');
      for (const method of ['sendPacket', 'resetPingTimeout', 'schedulePing']) {
        assume(`engine.io Socket has ${method}()`, typeof socket[method] === 'function');
      }
      assume('hasRefreshedPingTimeout is a boolean field', typeof socket.hasRefreshedPingTimeout === 'boolean');
      assume('the v4 protocol is a number on the socket', socket.protocol === 4);
      // The timer's callback is the three steps the coalesced heartbeat repeats.
      const callback = String(timer?._onTimeout);
      for (const step of ['hasRefreshedPingTimeout = false', 'sendPacket("ping")', 'resetPingTimeout()']) {
        assume(`the ping timer's callback does ${step}`, callback.includes(step), callback);
      }
    });

    it('pings every connection of a slot from one timer, again after each pong, and keeps them connected', async () => {
      const counters = coalesceHeartbeats(hb.io, INTERVAL_MS, SLOT_MS);
      const pings: number[] = [];
      const connected = await Promise.all(
        Array.from({ length: 6 }, async () => {
          const client = connect(`${hb.url}${NSP}`, { transports: ['websocket'], forceNew: true, reconnection: false });
          clients.push(client);
          await new Promise<void>((resolve) => client.once('connect', () => resolve()));
          client.io.engine.on('ping', () => pings.push(Date.now()));
          return client;
        }),
      );
      const closed: string[] = [];
      for (const c of connected) c.on('disconnect', (reason) => closed.push(reason));
      expect(counters.scheduled).toBe(6);
      // Three rounds at most one slot late each.
      await new Promise((resolve) => setTimeout(resolve, 3 * (INTERVAL_MS + SLOT_MS) + 100));
      expect(closed).toEqual([]);
      expect(pings.length).toBeGreaterThanOrEqual(6 * 2);
      expect(counters.pings).toBe(pings.length);
      // Six connections made together share their slots: far fewer timers than pings.
      expect(counters.fires * 2).toBeLessThanOrEqual(counters.pings);
      expect(counters.scheduled).toBe(6);
    });

    it('closes a peer that does not answer pings, and forgets closed connections', async () => {
      const counters = coalesceHeartbeats(hb.io, INTERVAL_MS, SLOT_MS);
      const closeReason = new Promise<string>((resolve) =>
        hb.io.engine.once('connection', (socket: { once(e: 'close', l: (reason: string) => void): void }) => socket.once('close', resolve)),
      );
      // A bare Engine.IO peer that never sends a pong.
      const silent = new WebSocket(`${hb.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      const frames: string[] = [];
      silent.on('message', (data: Buffer) => frames.push(data.toString()));
      await new Promise((resolve) => silent.once('open', resolve));
      expect(await closeReason).toBe('ping timeout');
      expect(frames.filter((f) => f === '2').length).toBe(1);
      expect(counters.scheduled).toBe(0);
      silent.terminate();

      const client = connect(`${hb.url}${NSP}`, { transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(client);
      await new Promise<void>((resolve) => client.once('connect', () => resolve()));
      expect(counters.scheduled).toBe(1);
      client.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(counters.scheduled).toBe(0);
      const pinged = counters.pings;
      await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS + 2 * SLOT_MS));
      expect(counters.pings).toBe(pinged);
    });
  });
});
