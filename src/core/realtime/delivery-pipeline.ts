import type { Namespace, Socket } from 'socket.io';
import { MetricsService } from '../observability/metrics.service';
import type { DeliverySequencer, SequencedNamespace } from './delivery-sequencer';
import { encodeLoggedEvent } from './encoded-event';
import type { RoutedEvent } from './event-log.service';
import { type LiveDeliveryLog, recordLiveOffset } from './live-delivery-log';
import { applyRevocation, isRevocation, type RevocationPayload } from './revocation';
import { type ApplyToSockets, type BroadcastOptions, hookBroadcasts, writeBroadcast } from './socketio-internals';
import { emitSystemEvent } from './system-events';

interface Broadcast {
  event: string;
  offset?: string;
  payload: unknown;
}

const OFFSET = /^[1-9][0-9]{0,18}$/;
const targets = new WeakMap<Namespace, SequencedNamespace>();

/**
 * Every broadcast on this instance — a local publish, one relayed by the Redis adapter from
 * another instance, or a logged event read back from the log — passes through here. Each is
 * encoded once and then visits each target socket, so both are hooked (hookBroadcasts):
 *
 * - logged events (those with an `offset`) go through the DeliverySequencer, which may hold
 *   one until the offsets before it have gone out, or drop one this instance delivered already;
 * - when one goes out it is recorded in the namespace's LiveDeliveryLog (what each socket got
 *   live, for replays) and counted (one counter increment per broadcast, not per socket);
 * - a revocation (a logged control event) takes sockets out of rooms at its place in the
 *   order instead of being written to anyone.
 */
export function installDeliveryPipeline(
  nsp: Namespace,
  metrics: MetricsService,
  live: LiveDeliveryLog,
  sequencer: DeliverySequencer,
): void {
  let current: Broadcast | undefined;
  /** `offset`: the broadcast's, when it is a logged event (validated), else undefined. */
  const send = (broadcast: Broadcast, offset: string | undefined, opts: BroadcastOptions, callback: (socket: Socket) => void, apply: ApplyToSockets) => {
    if (offset !== undefined && opts.rooms?.size) {
      live.recordBroadcast(offset, opts.rooms, Boolean(opts.except?.size || opts.flags?.volatile));
    }
    let count = 0;
    apply(opts, (socket) => {
      count++;
      if (offset !== undefined) recordLiveOffset(socket, offset);
      callback(socket);
    });
    if (count) metrics.delivered.inc({ event: broadcast.event }, count);
  };

  const apply = hookBroadcasts(nsp, {
    encoding(packet) {
      const name = packet.data?.[0];
      const payload = packet.data?.[1];
      const offset = (payload as { offset?: unknown } | undefined)?.offset;
      current = typeof name === 'string' ? { event: name, offset: typeof offset === 'string' ? offset : undefined, payload } : undefined;
    },
    apply(opts, callback, original) {
      const broadcast = current;
      current = undefined;
      // Not a broadcast (fetchSockets, socketsLeave…), or a transient event: as Socket.IO does it.
      if (!broadcast) return original(opts, callback);
      if (broadcast.offset === undefined || !OFFSET.test(broadcast.offset)) return send(broadcast, undefined, opts, callback, original);
      const { offset } = broadcast;
      sequencer.arrive(BigInt(offset), () => {
        if (isRevocation(broadcast.event)) applyRevocation(nsp, broadcast.payload as RevocationPayload);
        else send(broadcast, offset, opts, callback, original);
      });
    },
  });

  const target: SequencedNamespace = {
    inject(event: RoutedEvent) {
      if (!event.rooms.length || !nsp.server) return;
      const encoded = encodeLoggedEvent(nsp.server, nsp.name, event);
      const packet = { type: 2, nsp: nsp.name, data: [event.event, { ...event.payload, offset: event.offset }] };
      current = { event: event.event, offset: event.offset, payload: packet.data[1] };
      apply({ rooms: new Set(event.rooms), except: new Set() }, (socket) => writeBroadcast(socket, packet, encoded.packets, encoded.opts));
    },
    resyncAll(reason) {
      for (const socket of nsp.sockets.values()) {
        for (const room of socket.rooms) {
          if (room !== socket.id) emitSystemEvent(socket, 'system:resync', { channel: room, reason });
        }
      }
    },
  };
  targets.set(nsp, target);
}

/** Lets the sequencer deliver events read from the log into a served namespace (see installDeliveryPipeline). */
export function sequenceNamespace(nsp: Namespace, sequencer: DeliverySequencer): void {
  const target = targets.get(nsp);
  if (target) sequencer.register(nsp.name, target);
}
