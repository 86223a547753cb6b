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
  /** Replayed events that must go out in offset order among the held broadcasts (ascending). */
  private replayed: Array<{ offset: bigint; encoded: EncodedEvent }> = [];
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

  /**
   * Queues a replayed event that is newer than broadcasts the gate may already hold: on
   * release it goes out in offset order among them. Calls come in ascending offset order.
   */
  holdReplayed(encoded: EncodedEvent, offset: string): void {
    this.replayed.push({ offset: BigInt(offset), encoded });
  }

  /** Sends an event to this socket past the gate. */
  send(event: string, payload: unknown): void {
    this.client._packet({ type: 2, data: [event, payload], nsp: this.socket.nsp.name });
  }

  /**
   * Releases held broadcasts except those whose offset was already sent (or `alsoSkip`
   * says the client has), merged in offset order with the queued replayed events, and
   * removes the gate.
   */
  open(alreadySent: ReadonlySet<string>, alsoSkip?: (offset: string) => boolean): void {
    Object.defineProperty(this.socket, 'client', { configurable: true, writable: true, value: this.client });
    delete (this.socket as Partial<GateableSocket>).notifyOutgoingListeners;
    const held = this.held;
    const replayed = this.replayed;
    this.held = [];
    this.replayed = [];
    if (!this.socket.connected) return;
    let next = 0;
    for (const h of held) {
      const offset = (h.packet.data?.[1] as { offset?: unknown } | undefined)?.offset;
      if (typeof offset === 'string' && /^[0-9]{1,19}$/.test(offset)) {
        if (alreadySent.has(offset) || alsoSkip?.(offset)) continue;
        const at = BigInt(offset);
        for (; next < replayed.length && replayed[next].offset < at; next++) this.sendEncoded(replayed[next].encoded);
      }
      this.client.writeToEngine(h.encoded, h.opts);
    }
    for (; next < replayed.length; next++) this.sendEncoded(replayed[next].encoded);
  }
}
