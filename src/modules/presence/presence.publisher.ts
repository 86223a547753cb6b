import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { MetricsService } from '../../core/observability';
import { EventLogService, RealtimePublisher, RealtimeServer, socketUser, userRoom } from '../../core/realtime';
import { RedisService } from '../../core/redis';
import { PRESENCE_KICK_REQUEST, PRESENCE_NAMESPACE, type PresenceEvents, type PresenceSnapshot, type SystemDisconnectPayload } from './presence.events';
import { forObservers } from './presence.snapshot';

export interface KickOutcome {
  /** Sockets closed, over every namespace and every instance that answered. */
  sockets: number;
  /** Instances that took part (this one included). */
  instances: number;
  /** False when some instance did not answer in time (its sockets may still be open). */
  complete: boolean;
}

/**
 * The only code that emits presence events. Presence is transient (no offset, never
 * persisted). Connect/disconnect snapshots go to the whole namespace: the user's own
 * room gets them in full, everyone else without network addresses.
 */
@Injectable()
export class PresencePublisher extends RealtimePublisher<PresenceEvents> {
  constructor(
    realtime: RealtimeServer,
    log: EventLogService,
    metrics: MetricsService,
    private readonly redis: RedisService,
  ) {
    super(PRESENCE_NAMESPACE, realtime, log, metrics);
  }

  /** A socket came or went: the whole namespace hears it (each socket once). */
  changed(snapshot: PresenceSnapshot): void {
    const room = userRoom(snapshot.userId);
    this.emit('presence:update', snapshot, [room]);
    // The base emit targets rooms only; "everyone but this room" needs the namespace itself.
    const nsp = this.realtime.namespace(PRESENCE_NAMESPACE);
    if (!nsp) return;
    this.metrics.published.inc({ event: 'presence:update' });
    nsp.except(room).emit('presence:update', forObservers(snapshot));
  }

  /** A heartbeat refreshed lastSeen: only the user's own sockets hear it (CONTRACTS §3). */
  heartbeat(snapshot: PresenceSnapshot): void {
    this.emit('presence:update', snapshot, [userRoom(snapshot.userId)]);
  }

  /**
   * Sends `system:disconnect` to every socket of the user on every namespace and every
   * instance, then closes them. Each instance closes the sockets it holds, found by their
   * authenticated user rather than by room, so namespaces that keep no user rooms are
   * covered too.
   */
  async kick(userId: string, payload: SystemDisconnectPayload): Promise<KickOutcome> {
    const local = this.kickLocal(userId, payload);
    const nsp = this.realtime.namespace(PRESENCE_NAMESPACE);
    if (!this.redis.enabled || !nsp) return { sockets: local, instances: 1, complete: true };
    const { counts, error } = await askOtherInstances(nsp, PRESENCE_KICK_REQUEST, [userId, payload]);
    if (error) this.logger.warn(`kick of ${userId}: not every instance answered: ${error.message}`);
    return { sockets: local + sum(counts), instances: 1 + counts.length, complete: !error };
  }

  /** Answers other instances' kick requests (installed once on the namespace). */
  listenForKicks(nsp: Namespace): void {
    nsp.on(PRESENCE_KICK_REQUEST, (userId: unknown, payload: unknown, ack?: (count: number) => void) => {
      if (typeof userId !== 'string' || !isDisconnectPayload(payload)) return ack?.(0);
      ack?.(this.kickLocal(userId, payload));
    });
  }

  /** This instance's share of a kick: notify first, then close, so nothing closes before its notice is queued. */
  kickLocal(userId: string, payload: SystemDisconnectPayload): number {
    const sockets = this.realtime
      .namespaces()
      .flatMap((nsp) => [...nsp.sockets.values()])
      .filter((s) => socketUser(s)?.userId === userId);
    if (!sockets.length) return 0;
    this.metrics.published.inc({ event: 'system:disconnect' });
    for (const socket of sockets) socket.emit('system:disconnect', payload);
    for (const socket of sockets) socket.disconnect(true);
    return sockets.length;
  }
}

/**
 * `serverSideEmit` with acknowledgements, through the adapter so that a failure to even
 * send (Redis down) settles the request instead of leaving it waiting forever:
 * `Namespace.serverSideEmitWithAck` drops the adapter's rejected promise. The adapter
 * itself gives up on missing answers after its 5 s timeout.
 */
function askOtherInstances(nsp: Namespace, event: string, args: unknown[]): Promise<{ counts: unknown[]; error?: Error }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (counts: unknown[], error?: Error) => {
      if (settled) return;
      settled = true;
      resolve({ counts, error });
    };
    const ack = (err: Error | null, responses: unknown[] = []) => finish(responses, err ?? undefined);
    const adapter = nsp.adapter as unknown as { serverSideEmit(packet: unknown[]): unknown };
    try {
      Promise.resolve(adapter.serverSideEmit([event, ...args, ack])).catch((err: Error) => finish([], err));
    } catch (err) {
      finish([], err as Error);
    }
  });
}

function sum(counts: unknown[]): number {
  return counts.reduce<number>((total, c) => total + (typeof c === 'number' ? c : 0), 0);
}

function isDisconnectPayload(p: unknown): p is SystemDisconnectPayload {
  const v = p as Partial<SystemDisconnectPayload> | null;
  return typeof v?.reason === 'string' && typeof v.reconnectInMs === 'number';
}
