import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { MetricsService } from '../../core/observability';
import { EventLogService, NAMESPACES, RealtimePublisher, RealtimeServer, userRoom } from '../../core/realtime';
import { RedisService } from '../../core/redis';
import { toPresenceStatusDto, type PresenceDto } from './presence.dto';
import type { PresenceEvents } from './presence.events';
import { PresenceObserverFanout } from './presence-observer-fanout';
import { PresenceVersions } from './presence-versions';

/** A snapshot on its way to every instance (Redis channel `presence:updates`). */
interface PresenceBroadcast {
  /** `changed`: the namespace hears it; `heartbeat`: only the user's own sockets. */
  kind: 'changed' | 'heartbeat';
  /** The store's version of the state (StoredUser.version). */
  version: number;
  snapshot: PresenceDto;
}

/** Waiting longer than this for the subscription at start-up would hold up boot for nothing. */
const SUBSCRIBE_WAIT_MS = 5000;

/**
 * The only code that emits presence events. Presence is transient (no offset, never
 * persisted). The user's own room gets every change and heartbeat as a full snapshot;
 * everyone else in the namespace gets only `{userId, isOnline, lastSeen}`, and only when
 * the online state changes, coalesced per user (PresenceObserverFanout).
 *
 * With Redis, snapshots travel on a channel of their own rather than through the
 * Socket.IO adapter, and every instance (this one included) emits them to its local
 * sockets only if newer than the last one it emitted for that user: two instances
 * announcing changes of one user a moment apart cannot leave observers with the older
 * state (the adapter would deliver the local one at once and the remote one later).
 */
@Injectable()
export class PresencePublisher extends RealtimePublisher<PresenceEvents> implements OnApplicationBootstrap, OnModuleDestroy {
  /** Newest version emitted here to the user's own sockets (every kind)… */
  private readonly toUser = new PresenceVersions();
  /** …and to everyone else (changes only: observers never see heartbeats, so a heartbeat must not hide a change from them). */
  private readonly toObservers = new PresenceVersions();
  /** Turns the observers' stream of changes into online/offline transitions. */
  private readonly observerFanout = new PresenceObserverFanout((status) => {
    const nsp = this.realtime.namespace(NAMESPACES.app);
    if (nsp) this.emitLocal(nsp.local.except(userRoom(status.userId)), 'presence:update', status);
  });
  private readonly channel: string;
  /** Publishes not yet acknowledged by Redis (see flush). */
  private readonly sending = new Set<Promise<unknown>>();

  constructor(
    realtime: RealtimeServer,
    log: EventLogService,
    metrics: MetricsService,
    private readonly redis: RedisService,
  ) {
    super(NAMESPACES.app, realtime, log, metrics);
    this.channel = redis.key('presence', 'updates');
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis.enabled) return;
    const subscriber: Redis = this.redis.connect('presence');
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.receive(message);
    });
    // ioredis subscribes again by itself after reconnecting.
    const subscribed = subscriber.subscribe(this.channel).then(
      () => true,
      (err: Error) => {
        this.logger.warn(`presence: could not subscribe to ${this.channel} yet: ${err.message}`);
        return false;
      },
    );
    const waited = await Promise.race([
      subscribed,
      new Promise<'timeout'>((r) => setTimeout(r, SUBSCRIBE_WAIT_MS, 'timeout').unref()),
    ]);
    if (waited === 'timeout')
      this.logger.warn(`presence: subscription to ${this.channel} still pending; presence updates start once Redis answers`);
  }

  onModuleDestroy(): void {
    this.observerFanout.clear();
  }

  /** A socket came or went: the user's sockets hear it, observers if the online state changed. */
  changed(snapshot: PresenceDto, version: number): void {
    this.broadcast({ kind: 'changed', version, snapshot });
  }

  /** A heartbeat refreshed lastSeen: only the user's own sockets hear it (docs/modules/presence.md). */
  heartbeat(snapshot: PresenceDto, version: number): void {
    this.broadcast({ kind: 'heartbeat', version, snapshot });
  }

  private broadcast(message: PresenceBroadcast): void {
    this.metrics.published.inc({ event: 'presence:update' });
    if (!this.redis.client) return this.deliverLocally(message);
    const sent = this.redis.client.publish(this.channel, JSON.stringify(message)).then(
      () => undefined,
      (err: Error) => this.logger.warn(`presence update for ${message.snapshot.userId} not sent: ${err.message}`),
    );
    this.sending.add(sent);
    void sent.then(() => this.sending.delete(sent));
  }

  /** Resolves once every snapshot handed over so far has reached Redis (or failed to). */
  async flush(): Promise<void> {
    await Promise.all([...this.sending]);
  }

  private receive(raw: string): void {
    let message: PresenceBroadcast;
    try {
      message = JSON.parse(raw) as PresenceBroadcast;
    } catch {
      return; // not ours: the channel is in this deployment's keyspace, so nothing else should write there
    }
    if (typeof message?.snapshot?.userId !== 'string' || typeof message.version !== 'number') return;
    try {
      this.deliverLocally(message);
    } catch (err) {
      // thrown inside the Redis client's event handler: log it here, never let it reach ioredis
      this.logger.error(`presence update for ${message.snapshot.userId} not delivered: ${(err as Error)?.stack ?? String(err)}`);
    }
  }

  /** Emits to this instance's sockets, to each audience only if newer than what it was last shown. */
  private deliverLocally({ kind, version, snapshot }: PresenceBroadcast): void {
    const nsp = this.realtime.namespace(NAMESPACES.app);
    if (!nsp) return;
    const room = userRoom(snapshot.userId);
    if (this.toUser.accept(snapshot.userId, version)) this.emitLocal(nsp.local.to(room), 'presence:update', snapshot);
    if (kind === 'changed' && this.toObservers.accept(snapshot.userId, version)) this.observerFanout.offer(toPresenceStatusDto(snapshot));
  }

  /** A typed emit to sockets of this instance only (a snapshot has already reached every instance). */
  private emitLocal<K extends keyof PresenceEvents>(
    target: { emit(event: string, payload: unknown): unknown },
    event: K,
    payload: PresenceEvents[K],
  ): void {
    target.emit(event, payload);
  }
}
