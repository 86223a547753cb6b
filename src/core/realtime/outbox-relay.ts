import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricsService } from '../observability/metrics.service';
import { EventLogService } from './event-log.service';
import { deliverEvent, relayEmitterFor } from './realtime-publisher';
import { RealtimeServer } from './realtime-server';

/** How often each instance looks for committed events nobody emitted. */
const RELAY_INTERVAL_MS = 250;
/**
 * Outbox rows younger than this are left to the live path, which claims its own rows right
 * after the commit; the relay taking one earlier would still emit it once, only sooner.
 */
export const RELAY_GRACE_MS = 500;
const RELAY_BATCH = 500;

/**
 * Emits committed events whose emit never happened (the process died between the commit
 * and the emit, or the claim after the commit failed). Every instance runs it; a row is
 * claimed by deleting it under FOR UPDATE SKIP LOCKED, so each orphan is emitted by one
 * instance, once, in offset order within a pass. It starts with the application, so a
 * restarted instance emits its own orphans within one interval of coming up.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly eventLog: EventLogService,
    private readonly realtime: RealtimeServer,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run(this.stopping.signal);
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
      try {
        await this.relayOnce();
        if (this.failing) this.logger.log('outbox relay recovered');
        this.failing = false;
      } catch (err) {
        // The database is away: the rows wait for it. Said once per outage, not every pass.
        if (!this.failing) this.logger.warn(`outbox relay paused: ${(err as Error).message}`);
        this.failing = true;
      }
      await sleep(RELAY_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }
}
