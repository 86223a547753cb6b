import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsService } from '../observability/metrics.service';
import { EventLogService } from './event-log.service';
import { deliverEvent, relayEmitterFor } from './realtime-publisher';
import { RealtimeServer } from './realtime-server';

/** How often each instance looks for committed events nobody emitted while it finds some… */
export const RELAY_MIN_INTERVAL_MS = 250;
/** …and at least how often while it finds none (the wait doubles after each empty pass). */
export const RELAY_MAX_INTERVAL_MS = 2000;
/**
 * Outbox rows younger than this are left to the live path, which claims its own rows right
 * after the commit; the relay taking one earlier would still emit it once, only sooner.
 */
export const RELAY_GRACE_MS = 500;
const RELAY_BATCH = 500;

/**
 * When the relay's next pass is due. Orphans are rare (a crash between commit and emit, or
 * a failed claim), so an idle instance need not ask the database four times a second: each
 * pass that finds nothing doubles the wait, up to RELAY_MAX_INTERVAL_MS; a pass that relays
 * something, or this instance's own failed claim (`nudge`), brings it back to the minimum,
 * and a nudge keeps it there until the unclaimed events are past the grace period.
 */
export class RelaySchedule {
  private waitMs = RELAY_MIN_INTERVAL_MS;
  private eagerUntil = 0;

  /** The wait before the next pass, given how many events this pass relayed. */
  afterPass(relayed: number, now = Date.now()): number {
    if (relayed > 0 || now < this.eagerUntil) this.waitMs = RELAY_MIN_INTERVAL_MS;
    else this.waitMs = Math.min(this.waitMs * 2, RELAY_MAX_INTERVAL_MS);
    return this.waitMs;
  }

  /** Events were just left unclaimed here: pass often until they are old enough to be relayed. */
  nudge(now = Date.now()): void {
    this.eagerUntil = now + RELAY_GRACE_MS + 2 * RELAY_MIN_INTERVAL_MS;
  }
}

/**
 * Emits committed events whose emit never happened (the process died between the commit
 * and the emit, or the claim after the commit failed). Every instance runs it; a row is
 * claimed by deleting it under FOR UPDATE SKIP LOCKED, so each orphan is emitted by one
 * instance, once, in offset order within a pass. It starts with the application, so a
 * restarted instance emits its own orphans as it comes up; passes then follow RelaySchedule.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private failing = false;
  private readonly schedule = new RelaySchedule();
  /** Ends the current wait early (a nudge). */
  private wake = new AbortController();

  constructor(
    private readonly eventLog: EventLogService,
    private readonly realtime: RealtimeServer,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.eventLog.onClaimFailed(() => this.nudge());
    this.loop = this.run(this.stopping.signal);
  }

  /** This instance could not claim events it just stored: pass again soon rather than after an idle wait. */
  nudge(): void {
    this.schedule.nudge();
    this.wake.abort();
  }

  /** One pass: claims and emits what is due. Returns how many events it emitted. */
  async relayOnce(): Promise<number> {
    // Before the Socket.IO server exists a claimed event would be dropped, not emitted.
    if (!this.realtime.server) return 0;
    let total = 0;
    for (;;) {
      const due = await this.eventLog.claimOrphans(RELAY_GRACE_MS, RELAY_BATCH);
      for (const e of due) {
        const emit = relayEmitterFor(this.eventLog, e.namespace);
        try {
          // Through the namespace's publisher; a namespace without one (none left in this build) gets the plain emit.
          if (emit) emit(e);
          else deliverEvent(this.realtime, this.metrics, e.namespace, e.event, { ...e.payload, offset: e.offset }, e.rooms);
        } catch (err) {
          this.logger.error(`relaying event ${e.offset} failed: ${(err as Error).message}`);
        }
      }
      total += due.length;
      if (due.length < RELAY_BATCH) break;
    }
    if (total) {
      this.metrics.outboxRelayed.inc(total);
      this.logger.warn(`relayed ${total} committed event(s) whose emit had not happened`);
    }
    return total;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let relayed = 0;
      try {
        relayed = await this.relayOnce();
        if (this.failing) this.logger.log('outbox relay recovered');
        this.failing = false;
      } catch (err) {
        // The database is away: the rows wait for it. Said once per outage, not every pass.
        if (!this.failing) this.logger.warn(`outbox relay paused: ${(err as Error).message}`);
        this.failing = true;
      }
      const waitMs = this.schedule.afterPass(relayed);
      this.wake = new AbortController();
      await sleep(waitMs, undefined, { signal: AbortSignal.any([signal, this.wake.signal]) }).catch(() => undefined);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }
}
