import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import { EventLogService, RealtimePublisher, RealtimeServer } from '../../core/realtime';
import { KillmailFeedServer } from './killmail-feed.server';
import { KILLMAIL_NAMESPACE, type KillmailData, type KillmailEvents, type RawKillmailFrame, type ZkbData } from './killmail.events';

export interface PublishedKillmail {
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
    super(KILLMAIL_NAMESPACE, realtime, eventLog, metrics);
  }

  /**
   * Publishes one killmail to `rooms` (see killmail-channels.ts). Keyed by killmail id, so a
   * repeat (a retried request, two instances racing, a poller replaying after a crash) is
   * stored and delivered once: it resolves with `undefined` and sends nothing.
   */
  async publishKillmail(data: KillmailData, zkb: ZkbData, rooms: string[]): Promise<PublishedKillmail | undefined> {
    const timestamp = Date.now();
    const wire = await this.publish('killmail', { type: 'killmail', data, zkb, timestamp }, rooms, {
      idempotencyKey: `killmail:${data.killmailId}`,
    });
    if (!wire) return undefined;
    const frame = Buffer.from(JSON.stringify({ type: 'killmail', data, timestamp, offset: wire.offset } satisfies RawKillmailFrame));
    await this.feed.broadcast(frame);
    return { offset: wire.offset, frame };
  }
}
