import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service';
import { RedisService } from '../redis/redis.service';
import { EventLogService, type RoutedEvent } from './event-log.service';

/** How long an event that arrived after a missing offset waits for it before the log is read. */
const HOLD_MS = 25;
/** Log reads that look for broadcasts that never arrived: a safety net while the adapter is up… */
const POLL_HEALTHY_MS = 1_000;
/** …and the only cross-instance path while it is down. */
const POLL_DEGRADED_MS = 200;
const PAGE = 500;

export type RepairTrigger = 'hole' | 'poll' | 'reconnect';

/** What the sequencer needs of a namespace: deliver a logged event read from the log, and tell its sockets to resync. */
export interface SequencedNamespace {
  /** Broadcasts a logged event to this instance's sockets in its rooms, through the same path as a live one. */
  inject(event: RoutedEvent): void;
  /** Every local socket is told that its channels may have missed events (`system:resync`). */
  resyncAll(reason: 'history_expired'): void;
}

/**
 * Delivers every logged event to this instance's sockets exactly once and in offset order,
 * whichever way it arrives: a local publish, a broadcast relayed by the Redis adapter, or a
 * read of the event log when the broadcast never came (docs/delivery-guarantees.md).
 *
 * Offsets are global and gap-safe: once offset N is committed, every lower offset that will
 * ever exist is committed too. The sequencer keeps `position`, the offset through which
 * everything has been handled on this instance. A broadcast at position + 1 goes out at once;
 * a later one waits (briefly) for the ones before it; an earlier or repeated one is dropped.
 * When something is missing — the other instance's broadcast was lost while Redis was down,
 * or an offset was used by a publish that stored nothing — the log is read after `position`:
 * events found there are delivered from the log, offsets not found there never will exist.
 * The same read runs when the adapter reconnects and on a short poll, so an instance that
 * publishes nothing itself still learns of what it missed.
 */
@Injectable()
export class DeliverySequencer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeliverySequencer.name);
  private through: bigint | undefined;
  private maxSeenBeforeStart = 0n;
  private readonly held = new Map<bigint, () => void>();
  private readonly namespaces = new Map<string, SequencedNamespace>();
  private holdTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private repairing: Promise<void> | undefined;
  private pendingTrigger: RepairTrigger | undefined;
  private stopped = false;
  private failing = false;
  private waiters: Array<{ offset: bigint; resolve: (reached: boolean) => void }> = [];

  constructor(
    private readonly log: EventLogService,
    private readonly metrics: MetricsService,
    private readonly redis: RedisService,
  ) {}

  /** Everything up to this offset has been delivered here; undefined until the instance has started. */
  get position(): bigint | undefined {
    return this.through;
  }

  /**
   * Resolves true once everything up to `offset` has been delivered here, false after
   * `timeoutMs` (or at once before start-up). Reads the log right away, so an instance that
   * is merely behind catches up without waiting for a poll.
   */
  reach(offset: bigint, timeoutMs: number): Promise<boolean> {
    if (this.through === undefined) return Promise.resolve(false);
    if (this.through >= offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        offset,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
      void this.repair('hole');
    });
  }

  private wake(): void {
    const through = this.through!;
    const ready = this.waiters.filter((w) => w.offset <= through);
    if (!ready.length) return;
    this.waiters = this.waiters.filter((w) => w.offset > through);
    for (const w of ready) w.resolve(true);
  }

  register(namespace: string, target: SequencedNamespace): void {
    this.namespaces.set(namespace, target);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Events before now are not this instance's to deliver: a socket that wants them asks
    // with `since`. Whatever arrived while starting went out unsequenced.
    const last = BigInt(await this.log.lastOffset());
    this.through = last > this.maxSeenBeforeStart ? last : this.maxSeenBeforeStart;
    this.drain();
    this.schedulePoll();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.holdTimer);
    clearTimeout(this.pollTimer);
    for (const w of this.waiters.splice(0)) w.resolve(false);
  }

  /**
   * A logged broadcast reached this instance; `deliver` hands it to the local sockets. Runs
   * it now, later (after the offsets before it), or never (it was delivered already).
   */
  arrive(offset: bigint, deliver: () => void): void {
    if (this.through === undefined) {
      if (offset > this.maxSeenBeforeStart) this.maxSeenBeforeStart = offset;
      deliver();
      return;
    }
    if (offset <= this.through || this.held.has(offset)) return;
    if (offset === this.through + 1n) {
      this.through = offset;
      deliver();
      this.drain();
      return;
    }
    this.held.set(offset, deliver);
    this.armHoldTimer();
  }

  /** Held events wait HOLD_MS for the ones before them to arrive live, then the log is read. */
  private armHoldTimer(): void {
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = undefined;
      void this.repair('hole');
    }, HOLD_MS);
  }

  /** Reads the log after `position` and delivers what never arrived (coalesced: one read at a time). */
  repair(trigger: RepairTrigger): Promise<void> {
    if (this.stopped || this.through === undefined) return Promise.resolve();
    if (this.repairing) {
      this.pendingTrigger ??= trigger;
      return this.repairing;
    }
    this.repairing = this.repairNow(trigger)
      .catch((err: unknown) => {
        if (!this.failing && !this.stopped) this.logger.warn(`gap repair failed (retrying): ${(err as Error).message}`);
        this.failing = true;
      })
      .finally(() => {
        this.repairing = undefined;
        const next = this.pendingTrigger;
        this.pendingTrigger = undefined;
        if (next) void this.repair(next);
        else if (this.held.size) this.armHoldTimer();
      });
    return this.repairing;
  }

  private async repairNow(trigger: RepairTrigger): Promise<void> {
    let injected = 0;
    const pruned = await this.log.prunedThrough();
    if (this.through! < pruned) {
      // What this instance missed is gone from the log; nobody can say which rooms it was for.
      this.metrics.gapResyncs.inc();
      this.logger.warn(`events after ${this.through} were removed by retention before this instance delivered them: resync`);
      for (const target of this.namespaces.values()) target.resyncAll('history_expired');
      this.advanceTo(pruned);
    }
    for (;;) {
      const page = await this.log.readRange(this.through!, PAGE);
      for (const event of page) {
        const offset = BigInt(event.offset);
        if (offset <= this.through!) continue; // arrived live while the log was read
        // Below a committed offset, whatever the log does not hold will never exist.
        this.advanceTo(offset - 1n);
        const live = this.held.get(offset);
        const target = this.namespaces.get(event.namespace);
        if (live || !target) {
          this.held.delete(offset);
          this.through = offset;
          live?.();
        } else {
          target.inject(event); // comes back through arrive() at position + 1
          if (this.through! < offset) this.through = offset; // it had no local route at all
          injected++;
        }
        this.drain();
      }
      if (page.length < PAGE) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.failing = false;
    if (this.waiters.length) this.wake();
    if (injected) {
      this.metrics.gapRepairs.inc({ trigger });
      this.metrics.gapRepairEvents.inc(injected);
    }
  }

  /** Declares every offset up to `offset` handled; held ones at or below it go out first, in order. */
  private advanceTo(offset: bigint): void {
    if (offset <= this.through!) return;
    for (const held of [...this.held.keys()].filter((o) => o <= offset).sort((a, b) => (a < b ? -1 : 1))) {
      const deliver = this.held.get(held)!;
      this.held.delete(held);
      this.through = held;
      deliver();
    }
    this.through = offset;
  }

  private drain(): void {
    for (;;) {
      const next = this.through! + 1n;
      const deliver = this.held.get(next);
      if (!deliver) break;
      this.held.delete(next);
      this.through = next;
      deliver();
    }
    if (!this.held.size) {
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
    }
    if (this.waiters.length) this.wake();
  }

  /** The adapter lost Redis: from now on the log is the only way other instances' events arrive, so poll it often. */
  adapterLost(): void {
    if (this.stopped || this.through === undefined) return;
    clearTimeout(this.pollTimer);
    this.schedulePoll();
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    const healthy = !this.redis.enabled || this.redis.isHealthy();
    this.pollTimer = setTimeout(
      () => {
        void this.repair('poll').finally(() => this.schedulePoll());
      },
      healthy ? POLL_HEALTHY_MS : POLL_DEGRADED_MS,
    );
    this.pollTimer.unref();
  }
}
