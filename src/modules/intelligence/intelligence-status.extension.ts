import { Inject, Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { namespaceStats, roomSizes, type StatusExtension } from '../../core/admin';
import { NAMESPACES, RealtimeServer } from '../../core/realtime';
import { JobScheduler, type JobStatus } from '../../core/scheduling';
import { INTELLIGENCE_BROADCAST_JOB } from './intelligence-broadcast.job';
import { IntelligenceBroadcastService } from './intelligence-broadcast.service';
import { IntelligencePublisher } from './intelligence.publisher';

const DETAILED_ROOMS_LIMIT = 100;

/**
 * The Intelligence part of the kernel's status API (`/api/websocket-status`), in the shape
 * its first clients read: connection and room figures of `/ws/intelligence` on this
 * instance, messages per minute from the publisher's sliding window, and the broadcast
 * job — plus the `trigger_broadcast` action.
 */
@Injectable()
export class IntelligenceStatusExtension implements StatusExtension {
  constructor(
    private readonly realtime: RealtimeServer,
    private readonly scheduler: JobScheduler,
    private readonly publisher: IntelligencePublisher,
    private readonly broadcast: IntelligenceBroadcastService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  readonly actions = { trigger_broadcast: () => this.triggerBroadcast() };

  status() {
    const nsp = this.intelligenceNamespace();
    const own = nsp ? namespaceStats(nsp) : { namespace: NAMESPACES.intelligence, connections: 0, rooms: 0 };
    const job = this.broadcastJob();
    const { report } = this.broadcast.last;
    return {
      websocketServer: {
        active: this.websocketActive(),
        stats: { connections: own.connections, channels: own.rooms, messagesPerMinute: this.publisher.messagesPerMinute().total },
      },
      broadcastService: {
        active: job !== undefined,
        lastBroadcast: report ? Date.parse(report.finishedAt) : null,
        intervalMs: this.config.intelligence.broadcastIntervalMs,
      },
    };
  }

  detailedStats() {
    const nsp = this.intelligenceNamespace();
    const rooms = nsp ? roomSizes(nsp) : [];
    const { report, error } = this.broadcast.last;
    return {
      intelligence: {
        messagesPerMinute: this.publisher.messagesPerMinute(),
        rooms: rooms.slice(0, DETAILED_ROOMS_LIMIT),
        roomCount: rooms.length,
        thresholds: {
          economicChangePct: this.config.intelligence.economicChangePct,
          populationChangePct: this.config.intelligence.populationChangePct,
          vitalityDropPoints: this.config.intelligence.vitalityDropPoints,
        },
        lastBroadcastReport: report,
        lastBroadcastError: error,
      },
    };
  }

  healthChecks() {
    const job = this.broadcastJob();
    return { websocketServer: this.websocketActive(), broadcastService: job !== undefined && job.lastOutcome !== 'failure' };
  }

  /** Runs the broadcast job now through the scheduler (so its status counts the run). */
  private async triggerBroadcast() {
    const job = await this.scheduler.runNow(INTELLIGENCE_BROADCAST_JOB);
    const ok = job.lastOutcome === 'success';
    return { success: ok, job, report: ok ? this.broadcast.last.report : null, ...(ok ? {} : { error: job.lastError }) };
  }

  private websocketActive(): boolean {
    return this.realtime.server !== undefined && this.realtime.isAccepting && this.intelligenceNamespace() !== undefined;
  }

  private intelligenceNamespace(): Namespace | undefined {
    return this.realtime.namespaces().find((n) => n.name === NAMESPACES.intelligence);
  }

  private broadcastJob(): JobStatus | undefined {
    return this.scheduler.statuses().find((j) => j.name === INTELLIGENCE_BROADCAST_JOB);
  }
}
