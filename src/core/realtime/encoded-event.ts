import type { Server } from 'socket.io';
import WebSocket from 'ws';
import type { LoggedEvent } from './event-log.service';

/** A Socket.IO EVENT packet encoded once, for writing to any number of sockets of one namespace. */
export interface EncodedEvent {
  namespace: string;
  packets: unknown[];
  /** Engine options: already encoded, plus the ready WebSocket frame when it could be built. */
  opts: { preEncoded: true; wsPreEncodedFrame?: Buffer[] };
}

/** `ws` builds frames with a static method its type definitions leave out. */
type FrameBuilder = (data: Buffer, options: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }) => Buffer[];
const buildFrame = (WebSocket as unknown as { Sender?: { frame?: FrameBuilder } }).Sender?.frame;

const byEvent = new WeakMap<LoggedEvent, EncodedEvent>();

/**
 * The replay packet of a logged event (its payload plus `offset`), encoded once and shared.
 *
 * A reconnect storm replays the same page of the log to every socket; encoding it per
 * socket (JSON, then the WebSocket frame) made the event loop stall for seconds in P7.
 * Log pages are shared read-only objects (EventLogService.readAfter), so the encoding
 * is cached on the event itself and goes when the page does. It is what Socket.IO's
 * own broadcast does: encode once, then hand the same bytes to each socket.
 */
export function encodeLoggedEvent(server: Server, namespace: string, e: LoggedEvent): EncodedEvent {
  const cached = byEvent.get(e);
  if (cached && cached.namespace === namespace) return cached;
  const packets = server.encoder.encode({ type: 2, nsp: namespace, data: [e.event, { ...e.payload, offset: e.offset }] }) as unknown[];
  const opts: EncodedEvent['opts'] = { preEncoded: true };
  if (buildFrame && packets.length === 1 && typeof packets[0] === 'string') {
    // "4" is Engine.IO's message packet type; frames go unmasked from a server.
    opts.wsPreEncodedFrame = buildFrame(Buffer.from(`4${packets[0]}`), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
  }
  const encoded = { namespace, packets, opts };
  byEvent.set(e, encoded);
  return encoded;
}
