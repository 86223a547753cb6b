import type { Socket as NetSocket } from 'node:net';
import type { Namespace, Server, Socket } from 'socket.io';
import WebSocket from 'ws';

/**
 * Every use of a private or undocumented part of Socket.IO, Engine.IO, socket.io-adapter or
 * ws lives in this file, and nowhere else in src/ (docs/architecture.md, "Socket.IO
 * internals"). Each function says what it relies on; socketio-internals.spec.ts checks each of
 * those assumptions against a real server and client, so an upgrade that changes one fails
 * there with the assumption's name. The packages are pinned to patch ranges in package.json.
 *
 * Versions these were written against: socket.io 4.8.3, engine.io 6.6.12,
 * socket.io-adapter 2.5.8, socket.io-parser 4.2.7, ws 8.23.0 (engine.io's own copy: 8.21.3).
 */

/** A Socket.IO packet as the adapter and the socket see it (socket.io-parser's Packet). */
export interface OutgoingPacket {
  type?: number;
  nsp?: string;
  data?: unknown[];
}

/** Options of an adapter broadcast (socket.io-adapter's BroadcastOptions). */
export interface BroadcastOptions {
  rooms?: ReadonlySet<string>;
  except?: ReadonlySet<string>;
  flags?: { volatile?: boolean };
}

/** Engine.IO write options for bytes encoded once and written to many sockets. */
export interface PreEncodedOptions {
  preEncoded: true;
  wsPreEncodedFrame?: Buffer[];
}

// ---------------------------------------------------------------------------------------------
// Namespaces

/**
 * Namespaces created on the server so far. Relies on `Server._nsps: Map<name, Namespace>`
 * (typed, but underscored: not part of the documented API).
 */
export function namespacesOf(io: Server): Namespace[] {
  return [...io._nsps.values()];
}

type ParentNamespaceInternals = { children: Set<Namespace> };

/**
 * Drops a namespace that a parent namespace (`io.of(fn)`) created. Relies on the parent's
 * private `children: Set<Namespace>` and on `Server._nsps`; returns false when `nsp` is not a
 * child of `parent` (then nothing is dropped).
 */
export function forgetChildNamespace(io: Server, parent: Namespace, nsp: Namespace): boolean {
  const children = (parent as unknown as ParentNamespaceInternals).children;
  if (!children?.has(nsp)) return false;
  children.delete(nsp);
  io._nsps.delete(nsp.name);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Broadcasts through the adapter

/** Socket.IO's own event names, which `emit` refuses to broadcast (socket.io's RESERVED_EVENTS). */
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
const NO_ROOMS: ReadonlySet<string> = new Set();
const NO_FLAGS = Object.freeze({});
/** socket.io-parser's PacketType.EVENT. */
const EVENT_PACKET = 2;

/**
 * `nsp.to(rooms).except(except).emit(event, payload)`, handed to the adapter directly.
 * Socket.IO's chain makes two BroadcastOperators, three Sets and a packet for each emit; this
 * makes one Set and the packet, as the operator's `emit` passes them to the adapter's (public)
 * `broadcast`: `{ type: EVENT, data: [event, payload] }` and `{ rooms, except, flags }`, the
 * namespace added by the adapter. ~1 KB less garbage per event of a batch publish (P9). The
 * rooms' Set is new for each call (the delivery pipeline keeps it with the broadcast);
 * `except` and `flags` are only read.
 */
export function broadcastEvent(nsp: Namespace, event: string, payload: unknown, rooms: readonly string[], except?: readonly string[]): void {
  if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
  const packet: OutgoingPacket = { type: EVENT_PACKET, data: [event, payload] };
  (nsp.adapter as unknown as AdapterInternals).broadcast(packet, {
    rooms: new Set(rooms),
    except: except?.length ? new Set(except) : NO_ROOMS,
    flags: NO_FLAGS,
  });
}

/** The parts of socket.io-adapter's in-memory adapter (2.5) a broadcast goes through. */
type AdapterInternals = {
  broadcast(packet: OutgoingPacket, opts: BroadcastOptions): void;
  _encode(packet: OutgoingPacket, opts: unknown): unknown;
  apply(opts: BroadcastOptions, callback: (socket: Socket) => void): void;
  serverSideEmit(packet: unknown[]): unknown;
};

/** Runs `callback` for every local socket the options select (the adapter's wrapped `apply`, when hooked). */
export type ApplyToSockets = (opts: BroadcastOptions, callback: (socket: Socket) => void) => void;

export interface BroadcastHooks {
  /** Called with each broadcast packet as the adapter encodes it, just before it visits the sockets. */
  encoding(packet: OutgoingPacket): void;
  /** Replaces the adapter's visit of the target sockets; `original` is the adapter's own. */
  apply(opts: BroadcastOptions, callback: (socket: Socket) => void, original: ApplyToSockets): void;
}

/**
 * Hooks the namespace adapter's broadcast. Relies on socket.io-adapter encoding a broadcast
 * once with the private `_encode(packet, opts)` and then calling `apply(opts, callback)` once
 * with the callback that writes to each socket (`broadcast`, `broadcastWithAck`), and on the
 * Redis adapters calling the same two for broadcasts relayed from other instances. Other uses
 * of `apply` (fetchSockets, socketsJoin…) are not preceded by `_encode`. Returns the hooked
 * `apply`, for callers that inject a broadcast of their own.
 *
 * The encoding itself is put off until the broadcast reaches its first socket, and skipped
 * when it reaches none: many logged events go to rooms with no socket on this instance (a
 * notification for a user who is offline, a country nobody here follows), and encoding them
 * cost ~5 % of a batch publish's CPU. This relies further on the callback writing the array
 * `_encode` returned and the options object it was given (where `_encode` puts the prebuilt
 * WebSocket frame), both by reference, so filling them in before the first write is the same
 * as having filled them before `apply`.
 */
export function hookBroadcasts(nsp: Namespace, hooks: BroadcastHooks): ApplyToSockets {
  const adapter = nsp.adapter as unknown as AdapterInternals;
  const encode = adapter._encode.bind(adapter);
  const original: ApplyToSockets = adapter.apply.bind(adapter);
  let deferred: (() => void) | undefined;
  adapter._encode = (packet, opts) => {
    hooks.encoding(packet);
    const encoded: unknown[] = [];
    deferred = () => {
      encoded.push(...(encode(packet, opts) as unknown[]));
      const frame = (opts as PreEncodedOptions | undefined)?.wsPreEncodedFrame;
      if (frame) (opts as PreEncodedOptions).wsPreEncodedFrame = oneBufferFrame(frame);
    };
    return encoded;
  };
  adapter.apply = (opts, callback) => {
    let encodeNow = deferred;
    deferred = undefined;
    if (!encodeNow) return hooks.apply(opts, callback, original);
    const write = (socket: Socket) => {
      encodeNow?.();
      encodeNow = undefined;
      callback(socket);
    };
    return hooks.apply(opts, write, original);
  };
  return (opts, callback) => adapter.apply(opts, callback);
}

/**
 * Writes bytes encoded once (`encodeEvent`) to one socket, as the adapter's own broadcast
 * does: the socket's outgoing listeners (`onAnyOutgoing`, and OutgoingGate) see `packet`,
 * then the private `client.writeToEngine(packets, opts)` writes them.
 */
export function writeBroadcast(socket: Socket, packet: OutgoingPacket, packets: unknown[], opts: PreEncodedOptions): void {
  const s = socket as unknown as SocketInternals;
  s.notifyOutgoingListeners?.(packet);
  s.client.writeToEngine(packets, opts);
}

/**
 * The adapter's `serverSideEmit(packet)` where the last element is an ack callback. Relies on
 * the adapter method (declared `void`) returning the Redis adapter's promise, which rejects
 * when the request cannot even be sent; `Namespace.serverSideEmitWithAck` drops that promise.
 */
export function adapterServerSideEmit(nsp: Namespace, packet: unknown[]): unknown {
  return (nsp.adapter as unknown as AdapterInternals).serverSideEmit(packet);
}

// ---------------------------------------------------------------------------------------------
// Encoding once

/** `ws` builds frames with a static method its type definitions leave out. */
type FrameBuilder = (data: Buffer, options: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }) => Buffer[];
const buildFrame = (WebSocket as unknown as { Sender?: { frame?: FrameBuilder } }).Sender?.frame;

/**
 * An EVENT packet encoded once for writing to many sockets of one namespace, with the ready
 * WebSocket frame when it can be built. Relies on the same things socket.io-adapter's own
 * `_encode` does: `ws`'s untyped static `Sender.frame`, Engine.IO's "4" message prefix and its
 * private `wsPreEncodedFrame` write option (the WebSocket transport then sends the frame as
 * is, skipping its own encoding), and `server.encoder` returning strings for non-binary data.
 */
export function encodeEvent(server: Server, namespace: string, data: unknown[]): { packets: unknown[]; opts: PreEncodedOptions } {
  const packets = server.encoder.encode({ type: 2, nsp: namespace, data }) as unknown[];
  const opts: PreEncodedOptions = { preEncoded: true };
  if (buildFrame && packets.length === 1 && typeof packets[0] === 'string') {
    // "4" is Engine.IO's message packet type; frames go unmasked from a server.
    opts.wsPreEncodedFrame = oneBufferFrame(buildFrame(Buffer.from(`4${packets[0]}`), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true }));
  }
  return { packets, opts };
}

/**
 * A prebuilt WebSocket frame as one buffer. `ws` builds an unmasked frame as two (header and
 * payload), and its `sendFrame` writes a two-buffer frame as cork, write, write, uncork: for
 * every socket a broadcast reaches, two queued writes and a `writev` of both. One buffer is a
 * single plain write. Joining them costs one copy per broadcast instead. Relies on `sendFrame`
 * writing a one-element list as it is (as it does for masked frames it merged itself).
 */
export function oneBufferFrame(frame: Buffer[]): Buffer[] {
  return frame.length === 2 ? [Buffer.concat(frame)] : frame;
}

// ---------------------------------------------------------------------------------------------
// One socket's writes

type ClientInternals = {
  writeToEngine(encoded: unknown, opts: unknown): void;
  _packet(packet: OutgoingPacket, opts?: unknown): void;
};
type SocketInternals = {
  notifyOutgoingListeners?: (packet: OutgoingPacket) => void;
  client: ClientInternals;
  nsp: { name: string };
};

/** Writes to one socket's connection directly, past any interception installed after it was taken. */
export interface RawSocketWriter {
  /** Bytes already encoded (by `encodeEvent`, or held from an intercepted broadcast). */
  writeEncoded(packets: unknown, opts: unknown): void;
  /** One event, encoded now. */
  sendEvent(event: string, payload: unknown): void;
}

/** Relies on the private `Client.writeToEngine(encoded, opts)` and `Client._packet(packet)`. */
export function rawWriter(socket: Socket): RawSocketWriter {
  const s = socket as unknown as SocketInternals;
  const client = s.client;
  return {
    writeEncoded: (packets, opts) => client.writeToEngine(packets, opts),
    sendEvent: (event, payload) => client._packet({ type: 2, data: [event, payload], nsp: s.nsp.name }),
  };
}

/**
 * Intercepts the broadcasts written to one socket until the returned function is called.
 * `intercept(packet, encoded, opts)` returns true when it keeps the write (it is then not
 * written). Relies on a broadcast calling the socket's private
 * `notifyOutgoingListeners(packet)` and then `socket.client.writeToEngine(encoded, opts)`
 * (socket.io-adapter's `broadcast`); `socket.emit` does the same, so it is offered with its
 * packet too, while writes that announce no packet (acks, `rawWriter`) come with `packet`
 * undefined. `notifyOutgoingListeners` is a prototype method, so the instance property set
 * here is deleted again on release.
 */
export function interceptBroadcastWrites(
  socket: Socket,
  intercept: (packet: OutgoingPacket | undefined, encoded: unknown, opts: unknown) => boolean,
): () => void {
  const s = socket as unknown as SocketInternals;
  const client = s.client;
  const notify = s.notifyOutgoingListeners?.bind(s);
  let pending: OutgoingPacket | undefined;
  Object.defineProperty(s, 'notifyOutgoingListeners', {
    configurable: true,
    writable: true,
    value: (packet: OutgoingPacket) => {
      pending = packet;
      notify?.(packet);
    },
  });
  const proxy = Object.create(client) as ClientInternals;
  proxy.writeToEngine = (encoded, opts) => {
    const packet = pending;
    pending = undefined;
    if (!intercept(packet, encoded, opts)) client.writeToEngine(encoded, opts);
  };
  Object.defineProperty(s, 'client', { configurable: true, writable: true, value: proxy });
  return () => {
    Object.defineProperty(s, 'client', { configurable: true, writable: true, value: client });
    delete (s as Partial<SocketInternals>).notifyOutgoingListeners;
  };
}

// ---------------------------------------------------------------------------------------------
// The connection under a socket

/** Engine.IO's socket (`socket.conn`) and its transport, as far as the functions below read them. */
type ConnectionInternals = {
  close(discard?: boolean): void;
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: {
    name?: string;
    writable?: boolean;
    socket?: { bufferedAmount?: number; terminate?: () => void; _socket?: NetSocket };
  };
};

/**
 * Bytes queued for a socket's connection: the ws send buffer, the TCP socket's unsent bytes,
 * and Engine.IO packets not yet handed to the transport. Relies on Engine.IO's
 * `conn.transport.writable` (false while a write is in flight), `conn.writeBuffer`, and the
 * WebSocket transport's `socket` being the ws WebSocket with its private `_socket` (net.Socket).
 * A transport that is writable with an empty write buffer has nothing in flight, so a sweep
 * over thousands of idle sockets stops there.
 */
export function queuedBytes(socket: Socket): number {
  const conn = socket.conn as unknown as ConnectionInternals;
  if (conn.transport?.writable && !conn.writeBuffer?.length) return 0;
  const ws = conn.transport?.socket;
  let total = (ws?.bufferedAmount ?? 0) + (ws?._socket?.writableLength ?? 0);
  for (const packet of conn.writeBuffer ?? []) {
    total += typeof packet.data === 'string' ? packet.data.length : 64;
  }
  return total;
}

/**
 * Drops a socket's connection without flushing: a plain close() waits for a 'drain' that a
 * peer who stopped reading never causes, and ws's close handshake would linger 30 s. Relies on
 * Engine.IO's `conn.close(discard)` (the undocumented `discard` flag closes the transport at
 * once) and on the WebSocket transport's `socket` being the ws WebSocket (`terminate()`).
 */
export function dropConnection(socket: Socket): void {
  const conn = socket.conn as unknown as ConnectionInternals;
  const ws = conn.transport?.socket;
  conn.close(true);
  ws?.terminate?.();
}

// ---------------------------------------------------------------------------------------------
// Engine.IO's WebSocket transport

/** The parts of Engine.IO's WebSocket transport the coalescing touches. */
interface WebSocketTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: NetSocket };
}

interface EngineSocket {
  transport: WebSocketTransport;
  on(event: 'upgrade', listener: (transport: WebSocketTransport) => void): void;
}

const COALESCED = Symbol('herald.coalesced');

/**
 * One TCP write per flush instead of one per packet.
 *
 * Engine.IO queues a connection's packets while its previous write is in flight and then
 * sends the queue in one `transport.send(packets)`, but the WebSocket transport writes each
 * packet as its own frame, and each frame is its own `writev` system call. On loopback and
 * in VMs that call costs ~20 µs (the receiver's TCP work runs inside it), more than all the
 * JavaScript of a delivery. Corking the TCP socket around the loop hands the kernel the
 * whole queue at once: a replay of 500 events becomes one write, not 500, and a saturated
 * fan-out sends each socket's backlog in one call. Frames, order and callbacks are unchanged;
 * a single-packet send (the common case of a live broadcast) is passed straight through.
 *
 * Relies on Engine.IO's `connection` and `upgrade` events handing over the transport, on the
 * WebSocket transport being named "websocket" with a `send(packets)` method, and on its
 * `socket` being the ws WebSocket with its private `_socket` (net.Socket).
 */
export function coalesceWebSocketWrites(io: Server): void {
  io.engine.on('connection', (socket: EngineSocket) => {
    coalesce(socket.transport);
    socket.on('upgrade', coalesce);
  });
}

function coalesce(transport: WebSocketTransport & { [COALESCED]?: true }): void {
  if (transport.name !== 'websocket' || transport[COALESCED]) return;
  transport[COALESCED] = true;
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    const tcp = transport.socket?._socket;
    if (packets.length < 2 || !tcp) return send(packets);
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Engine.IO's heartbeat

/** The parts of an Engine.IO socket (protocol v4) its heartbeat runs on. */
interface HeartbeatSocket {
  protocol: number;
  readyState: string;
  pingIntervalTimer: { refresh(): unknown } | null;
  hasRefreshedPingTimeout: boolean;
  sendPacket(type: 'ping'): void;
  resetPingTimeout(): void;
  once(event: 'close', listener: () => void): void;
}

/** What a heartbeat schedule has done so far (for tests and the operator's curiosity). */
export interface HeartbeatCounters {
  /** Slot timers that fired. */
  fires: number;
  /** Pings written. */
  pings: number;
  /** Connections waiting for their next ping. */
  scheduled: number;
}

/** At most this many pings per event-loop turn (~5 ms): a slot holding thousands of connections is written over several turns, with I/O served between them. */
const PINGS_PER_TURN = 100;

/**
 * Sends the pings of every connection due in the same slot from one timer.
 *
 * Engine.IO gives each connection its own ping timer, so 10,000 connections made over ten
 * seconds wake the process up thousands of times per heartbeat interval, a handful of pings
 * each; the wake-ups, not the pings, are most of an idle server's CPU. Here a connection's
 * next ping is due one interval after its last pong (as in Engine.IO), rounded up to the next
 * multiple of `slotMs`, and one timer per slot writes all of that slot's pings. Pings are at
 * most `slotMs` late, which the client's allowance (interval + ping timeout) absorbs.
 * The pong timeout stays Engine.IO's own per-connection timer.
 *
 * Relies on Engine.IO's `connection` event coming right after the socket's `onOpen` armed its
 * ping timer (`pingIntervalTimer`, a Node timer that the pong handler `refresh()`es and the
 * close handler clears), and on the timer's callback being exactly: clear
 * `hasRefreshedPingTimeout`, `sendPacket('ping')`, `resetPingTimeout()`. Protocol v3
 * connections (the client pings) are left alone.
 */
export function coalesceHeartbeats(io: Server, intervalMs: number, slotMs: number): HeartbeatCounters {
  const counters: HeartbeatCounters = { fires: 0, pings: 0, scheduled: 0 };
  const slots = new Map<number, Set<HeartbeatSocket>>();
  const slotOf = new WeakMap<HeartbeatSocket, number>();

  const unschedule = (socket: HeartbeatSocket) => {
    const slot = slotOf.get(socket);
    if (slot === undefined) return;
    slotOf.delete(socket);
    counters.scheduled--;
    slots.get(slot)?.delete(socket);
  };
  const schedule = (socket: HeartbeatSocket) => {
    unschedule(socket);
    if (socket.readyState !== 'open') return;
    const slot = Math.ceil((Date.now() + intervalMs) / slotMs);
    let members = slots.get(slot);
    if (!members) {
      members = new Set();
      slots.set(slot, members);
      setTimeout(() => fire(slot), slot * slotMs - Date.now()).unref();
    }
    members.add(socket);
    slotOf.set(socket, slot);
    counters.scheduled++;
  };
  const fire = (slot: number) => {
    counters.fires++;
    const members = slots.get(slot);
    if (!members) return;
    const due = members.values();
    const pingSome = () => {
      let written = 0;
      for (let next = due.next(); !next.done; next = due.next()) {
        const socket = next.value;
        // Taken out first: a socket stays in its slot until pinged, so a close meanwhile removes it.
        slotOf.delete(socket);
        counters.scheduled--;
        members.delete(socket);
        if (socket.readyState === 'open') {
          socket.hasRefreshedPingTimeout = false;
          socket.sendPacket('ping');
          socket.resetPingTimeout();
          counters.pings++;
        }
        if (++written === PINGS_PER_TURN) return void setImmediate(pingSome);
      }
      slots.delete(slot);
    };
    pingSome();
  };

  io.engine.on('connection', (raw: unknown) => {
    const socket = raw as HeartbeatSocket;
    if (socket.protocol === 3 || !socket.pingIntervalTimer) return;
    clearTimeout(socket.pingIntervalTimer as NodeJS.Timeout);
    // The pong handler calls refresh(): the next ping is due one interval after the pong.
    socket.pingIntervalTimer = { refresh: () => schedule(socket) };
    socket.once('close', () => unschedule(socket));
    schedule(socket);
  });
  return counters;
}
