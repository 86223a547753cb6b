import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { hasRole, type Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { toPresenceDto, toPresenceStatusDto, type PresenceDto, type PresenceStatusDto } from './presence.dto';
import { PresencePublisher } from './presence.publisher';
import { PRESENCE_STORE, type PresenceStore, type StoredSocket } from './presence.store';
import { PRESENCE_TIMINGS, type PresenceTimings } from './presence.timing';

/** What the transport knows about a new connection. */
interface ConnectionInfo {
  socketId: string;
  userId: string;
  userAgent: string | null;
  ip: string | null;
}

/** User agents are stored and shown to the user's own sockets: keep them to a sensible length. */
const MAX_USER_AGENT = 256;
/** Sweep batches per run: bounds one run; what is left goes to the next tick. */
const MAX_SWEEP_BATCHES = 20;
/** At shutdown, how long the last disconnects may take to be recorded and announced. */
const SHUTDOWN_DRAIN_MS = 3000;

/**
 * Who is online. This instance's own open sockets are kept here (it is the only writer
 * of their entries) and re-vouched for on a timer; the store holds everyone's, shared
 * across instances when Redis is configured.
 *
 * Socket-path calls fail soft: when the store is unreachable they log and return, and
 * the keep-alive re-creates what was missed once it is back.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private readonly local = new Map<string, StoredSocket>();
  /** Socket-path store calls still running (awaited at shutdown, before Redis is closed). */
  private readonly inFlight = new Set<Promise<unknown>>();
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private keepingAlive = false;
  private storeDown = false;

  constructor(
    @Inject(PRESENCE_STORE) private readonly store: PresenceStore,
    @Inject(PRESENCE_TIMINGS) private readonly timings: PresenceTimings,
    private readonly publisher: PresencePublisher,
  ) {}

  onModuleInit(): void {
    this.keepAliveTimer = setInterval(() => {
      this.keepAlive().catch((err: unknown) =>
        this.logger.error(`presence keep-alive failed: ${(err as Error)?.stack ?? String(err)}`),
      );
    }, this.timings.keepAliveMs);
    this.keepAliveTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.keepAliveTimer);
  }

  /**
   * Closing the socket server disconnects this instance's sockets just before Redis is
   * closed: let those removals and their offline snapshots get out first, so other
   * instances see the users go now rather than never (a removed entry is not swept).
   */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.keepAliveTimer);
    const drain = async () => {
      while (this.inFlight.size) await Promise.all([...this.inFlight]);
      await this.publisher.flush();
    };
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = await Promise.race([
      drain().then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS, true))),
    ]);
    clearTimeout(timer);
    if (gaveUp)
      this.logger.warn(`shutdown: presence updates still pending after ${SHUTDOWN_DRAIN_MS} ms; the sweep will clean up`);
  }

  /** A socket connected: record it and tell the namespace. */
  connected(info: ConnectionInfo): Promise<void> {
    return this.track(this.recordConnect(info), 'connect');
  }

  /** A socket went: remove it and tell the namespace (the user stays online while another socket remains). */
  disconnected(socketId: string): Promise<void> {
    return this.track(this.recordDisconnect(socketId), 'disconnect');
  }

  private async recordConnect(info: ConnectionInfo): Promise<void> {
    const now = Date.now();
    const entry: StoredSocket = {
      socketId: info.socketId,
      userId: info.userId,
      connectedAt: now,
      lastSeen: now,
      userAgent: info.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      ip: info.ip,
    };
    // Registered before the store call so a disconnect arriving meanwhile is ordered after it.
    this.local.set(entry.socketId, entry);
    const result = await this.soft('connect', () => this.store.upsert(entry));
    if (result) this.publisher.changed(this.snapshotOf(result.user), result.user.version);
  }

  /**
   * `presence:heartbeat`: refreshes lastSeen; only the user's own sockets hear it, unless
   * the entry had been lost (store outage, sweep), which makes it news for everyone.
   * Resolves false when the store is unreachable.
   */
  async heartbeat(socketId: string): Promise<boolean> {
    const known = this.local.get(socketId);
    if (!known) return true; // still connecting: the connect write is on its way
    const entry = { ...known, lastSeen: Date.now() };
    this.local.set(socketId, entry);
    const result = await this.soft('heartbeat', () => this.store.upsert(entry));
    if (!result) return false;
    const snapshot = this.snapshotOf(result.user);
    if (result.created) this.publisher.changed(snapshot, result.user.version);
    else this.publisher.heartbeat(snapshot, result.user.version);
    return true;
  }

  private async recordDisconnect(socketId: string): Promise<void> {
    const entry = this.local.get(socketId);
    if (!entry) return;
    this.local.delete(socketId);
    const result = await this.soft('disconnect', () => this.store.remove(entry.userId, socketId, Date.now()));
    if (result?.removed) this.publisher.changed(this.snapshotOf(result.user), result.user.version);
  }

  /**
   * Re-vouches for this instance's open sockets. Entries that had vanished (store outage,
   * a sweep during a stall) are re-created and announced again.
   */
  async keepAlive(): Promise<void> {
    if (this.keepingAlive || this.local.size === 0) return;
    this.keepingAlive = true;
    try {
      const now = Date.now();
      const entries = [...this.local.values()].map((e) => ({ ...e, lastSeen: now }));
      for (const e of entries) this.local.set(e.socketId, e);
      const recreated = await this.soft('keep-alive', () => this.store.refresh(entries));
      if (!recreated?.length) return;
      const users = new Set<string>();
      for (const e of recreated) {
        if (this.local.has(e.socketId)) {
          users.add(e.userId);
        } else {
          // It closed while the refresh was in flight and the refresh brought it back.
          await this.soft('keep-alive', () => this.store.remove(e.userId, e.socketId, now));
        }
      }
      if (users.size) await this.announce([...users]);
    } finally {
      this.keepingAlive = false;
    }
  }

  /**
   * The presence job: removes entries nobody vouched for within the TTL (sockets of a
   * crashed instance) and broadcasts each affected user's new snapshot. Throws when the
   * store is unreachable, so the job run counts as failed.
   */
  async sweep(): Promise<{ removed: number; users: number }> {
    const cutoff = Date.now() - this.timings.ttlMs;
    let removed = 0;
    const users = new Set<string>();
    for (let batch = 0; batch < MAX_SWEEP_BATCHES; batch++) {
      const result = await this.store.sweep(cutoff, this.timings.sweepBatch);
      removed += result.removed;
      result.userIds.forEach((u) => users.add(u));
      if (result.removed < this.timings.sweepBatch) break;
    }
    if (users.size) {
      this.logger.log(`swept ${removed} stale socket(s) of ${users.size} user(s)`);
      await this.announce([...users]);
    }
    return { removed, users: users.size };
  }

  /**
   * Presence for HTTP callers: the full snapshot for the user themselves and admins (who
   * operate the service and kick sockets), only `{userId, isOnline, lastSeen}` for anyone else.
   */
  async snapshots(userIds: string[], viewer: Principal): Promise<Array<PresenceDto | PresenceStatusDto>> {
    const unique = [...new Set(userIds)];
    let users;
    try {
      users = await this.store.get(unique);
    } catch (err) {
      this.noteFailure('query', err);
      throw new DomainError('unavailable', 'presence is temporarily unavailable, retry shortly');
    }
    this.noteSuccess();
    const privileged = hasRole(viewer, 'admin');
    return users.map((u) => {
      const snapshot = this.snapshotOf(u);
      return privileged || u.userId === viewer.userId ? snapshot : toPresenceStatusDto(snapshot);
    });
  }

  /**
   * Remembers a socket-path call until it settles, and makes sure it never rejects:
   * the gateway's connect/disconnect hooks must not leave an unhandled rejection behind.
   */
  private track(work: Promise<void>, what: string): Promise<void> {
    const safe = work.catch((err: unknown) =>
      this.logger.error(`presence ${what} failed: ${(err as Error)?.stack ?? String(err)}`),
    );
    this.inFlight.add(safe);
    void safe.then(() => this.inFlight.delete(safe));
    return safe;
  }

  private async announce(userIds: string[]): Promise<void> {
    const users = await this.soft('announce', () => this.store.get(userIds));
    for (const user of users ?? []) this.publisher.changed(this.snapshotOf(user), user.version);
  }

  private snapshotOf(user: Parameters<typeof toPresenceDto>[0]): PresenceDto {
    return toPresenceDto(user, Date.now() - this.timings.ttlMs);
  }

  /** Runs a store call; on failure logs (once per outage) and resolves undefined. */
  private async soft<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    try {
      const result = await call();
      this.noteSuccess();
      return result;
    } catch (err) {
      this.noteFailure(what, err);
      return undefined;
    }
  }

  private noteFailure(what: string, err: unknown): void {
    if (this.storeDown) return;
    this.storeDown = true;
    this.logger.warn(
      `presence store unreachable (${what}: ${(err as Error)?.message ?? String(err)}); connections continue without presence until it is back`,
    );
  }

  private noteSuccess(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.logger.log('presence store reachable again');
  }
}
