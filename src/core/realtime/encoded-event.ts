import type { Server } from 'socket.io';
import type { LoggedEvent } from './event-log.service';
import { encodeEvent, type PreEncodedOptions } from './socketio-internals';

/** A Socket.IO EVENT packet encoded once, for writing to any number of sockets of one namespace. */
export interface EncodedEvent {
  namespace: string;
  packets: unknown[];
  /** Engine options: already encoded, plus the ready WebSocket frame when it could be built. */
  opts: PreEncodedOptions;
}

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
  const encoded = { namespace, ...encodeEvent(server, namespace, [e.event, { ...e.payload, offset: e.offset }]) };
  byEvent.set(e, encoded);
  return encoded;
}
