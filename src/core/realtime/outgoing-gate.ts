import type { Socket } from 'socket.io';
import type { EncodedEvent } from './encoded-event';
import { interceptBroadcastWrites, type OutgoingPacket, rawWriter, type RawSocketWriter } from './socketio-internals';

interface Held {
  packet: OutgoingPacket;
  encoded: unknown;
  opts: unknown;
}

/**
 * Holds a socket's live broadcasts while a replay is sent, so the client sees replayed
 * events first, then live ones, never a live event twice. The gate intercepts the
 * broadcasts written to this one socket (interceptBroadcastWrites), and writes its own past
 * that interception; it undoes it on release.
 */
export class OutgoingGate {
  private held: Held[] = [];
  /** Replayed events that must go out in offset order among the held broadcasts (ascending). */
  private replayed: Array<{ offset: bigint; encoded: EncodedEvent }> = [];
  private readonly writer: RawSocketWriter;
  private release: (() => void) | undefined;

  private constructor(private readonly socket: Socket) {
    this.writer = rawWriter(socket);
  }

  static close(socket: Socket): OutgoingGate {
    const gate = new OutgoingGate(socket);
    gate.release = interceptBroadcastWrites(socket, (packet, encoded, opts) => {
      if (!packet) return false; // acks go straight through
      gate.held.push({ packet, encoded, opts });
      return true;
    });
    return gate;
  }

  /** Sends an already encoded event (encodeLoggedEvent) to this socket past the gate. */
  sendEncoded(encoded: EncodedEvent): void {
    if (!this.socket.connected) return;
    this.writer.writeEncoded(encoded.packets, encoded.opts);
  }

  /**
   * Queues a replayed event that is newer than broadcasts the gate may already hold: on
   * release it goes out in offset order among them. Calls come in ascending offset order.
   */
  holdReplayed(encoded: EncodedEvent, offset: string): void {
    this.replayed.push({ offset: BigInt(offset), encoded });
  }

  /** Sends an event to this socket past the gate (emitSystemEvent takes the gate as its target). */
  emit(event: string, payload: unknown): void {
    this.writer.sendEvent(event, payload);
  }

  /**
   * Releases held broadcasts except those whose offset was already sent (or `alsoSkip`
   * says the client has), merged in offset order with the queued replayed events, and
   * removes the gate.
   */
  open(alreadySent: ReadonlySet<string>, alsoSkip?: (offset: string) => boolean): void {
    this.release?.();
    this.release = undefined;
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
      this.writer.writeEncoded(h.encoded, h.opts);
    }
    for (; next < replayed.length; next++) this.sendEncoded(replayed[next].encoded);
  }
}
