import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import { EventLogService, NAMESPACES, RealtimePublisher, RealtimeServer, type OutboxEvent, type SqlTransaction, type Staged } from '../../core/realtime';
import { KillmailFeedServer } from './killmail-feed.server';
import type { ZkbDto } from './killmail.dto';
import type { KillmailData, KillmailEvents, RawKillmailFrame } from './killmail.events';

interface PublishedKillmail {
  offset: string;
  /** The exact bytes sent to raw-feed peers. */
  frame: Buffer;
}

/**
 * The only code that emits killmails: persists each to the event log (offset, replay),
 * emits it once to the union of its `/ws/killmail` rooms, and hands the serialised raw
 * frame to the /updates feed. Injectable by other services.
 */
@Injectable()
export class KillmailPublisher extends RealtimePublisher<KillmailEvents> {
  constructor(
    realtime: RealtimeServer,
    eventLog: EventLogService,
    metrics: MetricsService,
    private readonly feed: KillmailFeedServer,
  ) {
    super(NAMESPACES.killmail, realtime, eventLog, metrics);
  }

  /**
   * Stores one killmail's event in `tx` (the transaction that stores the killmail) and, after
   * the commit, emits it to `rooms` (see killmail-routing.ts) and the raw feed. Keyed by
   * killmail id, so a repeat (a retried request, two instances racing, a poller replaying
   * after a crash) is stored and delivered once: it resolves with `undefined`.
   */
  killmailIn(tx: SqlTransaction, data: KillmailData, zkb: ZkbDto, rooms: string[]): Staged<PublishedKillmail> {
    const payload = this.withRequestContext({ type: 'killmail' as const, data, zkb, timestamp: Date.now() });
    let emitted: { frame: Buffer; fed: Promise<void> } | undefined;
    const started = process.hrtime.bigint();
    const staged = tx.stage(
      { namespace: this.namespace, event: 'killmail', rooms, payload, idempotencyKey: `killmail:${data.killmailId}` },
      (offset) => {
        emitted = this.emitKillmail(payload, rooms, offset);
        this.metrics.publishLatency.observe({ event: 'killmail' }, Number(process.hrtime.bigint() - started) / 1e9);
      },
    );
    const published = staged.published.then(async (offset) => {
      if (offset === undefined) return undefined;
      // Not emitted here when the outbox relay took it first; it sends the same frame then.
      const frame = emitted?.frame ?? rawFrame(payload, offset);
      await emitted?.fed;
      return { offset, frame };
    });
    published.catch(() => undefined); // a rolled-back transaction reports through its own promise
    return { published };
  }

  /** A killmail the outbox relay emits after a crash: to Socket.IO and the raw feed, as live. */
  protected override relay(event: OutboxEvent): void {
    const payload = event.payload as unknown as Omit<KillmailEvents['killmail'], 'offset'>;
    void this.emitKillmail(payload, event.rooms, event.offset).fed;
  }

  private emitKillmail(payload: Omit<KillmailEvents['killmail'], 'offset'>, rooms: string[], offset: string): { frame: Buffer; fed: Promise<void> } {
    this.deliver('killmail', { ...payload, offset }, rooms);
    const frame = rawFrame(payload, offset);
    return { frame, fed: this.feed.broadcast(frame).catch((err: Error) => this.logger.warn(`raw feed broadcast failed: ${err.message}`)) };
  }
}

function rawFrame(payload: Pick<KillmailEvents['killmail'], 'data' | 'timestamp'>, offset: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'killmail', data: payload.data, timestamp: payload.timestamp, offset } satisfies RawKillmailFrame));
}
