import type { Socket } from 'socket.io';
import type { EncodedEvent } from './encoded-event';

interface Held {
  packet: { data?: unknown[] };
  encoded: unknown;
  opts: unknown;
}

type ClientLike = {
  writeToEngine(encoded: unknown, opts: unknown): void;
  _packet(packet: unknown, opts?: unknown): void;
};
/** The parts of a Socket.IO socket the gate touches (internal API of socket.io 4.8). */
type GateableSocket = {
  notifyOutgoingListeners(packet: unknown): void;
  client: ClientLike;
  nsp: { name: string };
  connected: boolean;
};

/**
 * Holds a socket's live broadcasts while a replay is sent, so the client sees replayed
 * events first, then live ones, never a live event twice. Socket.IO writes each
 * broadcast as `notifyOutgoingListeners(packet)` then `client.writeToEngine(...)` for each
 * socket; the gate wraps both for this one socket only, and undoes that on release.
 */
export class OutgoingGate {
  private held: Held[] = [];
  private pending: Held['packet'] | undefined;
  private readonly client: ClientLike;

  private constructor(private readonly socket: GateableSocket) {
    this.client = socket.client;
  }

  static close(socket: Socket): OutgoingGate {
    const gate = new OutgoingGate(socket as unknown as GateableSocket);
    gate.install();
    return gate;
  }

  private install(): void {
    const socket = this.socket;
    const original = socket.notifyOutgoingListeners.bind(socket);
    Object.defineProperty(socket, 'notifyOutgoingListeners', {
      configurable: true,
      writable: true,
      value: (packet: Held['packet']) => {
        this.pending = packet;
        original(packet);
      },
    });
    const proxy = Object.create(this.client) as ClientLike;
    proxy.writeToEngine = (encoded, opts) => {
      const packet = this.pending;
      this.pending = undefined;
      if (packet) this.held.push({ packet, encoded, opts });
      else this.client.writeToEngine(encoded, opts);
    };
    Object.defineProperty(socket, 'client', { configurable: true, writable: true, value: proxy });
  }

  /** Sends an already encoded event (encodeLoggedEvent) to this socket past the gate. */
  sendEncoded(encoded: EncodedEvent): void {
    if (!this.socket.connected) return;
    this.client.writeToEngine(encoded.packets, encoded.opts);
  }

  /** Sends an event to this socket past the gate. */
  send(event: string, payload: unknown): void {
    this.client._packet({ type: 2, data: [event, payload], nsp: this.socket.nsp.name });
  }

  /** Releases held broadcasts except those whose offset was already sent, and removes the gate. */
  open(alreadySent: ReadonlySet<string>): void {
    Object.defineProperty(this.socket, 'client', { configurable: true, writable: true, value: this.client });
    delete (this.socket as Partial<GateableSocket>).notifyOutgoingListeners;
    const held = this.held;
    this.held = [];
    if (!this.socket.connected) return;
    for (const h of held) {
      const offset = (h.packet.data?.[1] as { offset?: unknown } | undefined)?.offset;
      if (typeof offset === 'string' && alreadySent.has(offset)) continue;
      this.client.writeToEngine(h.encoded, h.opts);
    }
  }
}
