import { Inject, Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { RealtimeServer } from '../../core/realtime';
import { JobScheduler, type JobStatus } from '../../core/scheduling';
import { CountryRepository } from './country.repository';
import { INTELLIGENCE_BROADCAST_JOB } from './intelligence-broadcast.job';
import { IntelligenceBroadcastService } from './intelligence-broadcast.service';
import { INTELLIGENCE_NAMESPACE } from './intelligence.events';
import { IntelligencePublisher } from './intelligence.publisher';

export interface NamespaceStats {
  namespace: string;
  /** Sockets connected to this instance. */
  connections: number;
  /** Rooms with at least one socket on this instance (each socket's private room excluded). */
  rooms: number;
}

const DETAILED_ROOMS_LIMIT = 100;

/**
 * The status API of seed 001, extended per CONTRACTS §3. Connection and room figures are
 * this instance's (Socket.IO's local adapter state); messages per minute is the sliding
 * window of events this instance published on `/ws/intelligence`; jobs come from the
 * scheduler.
 */
@Injectable()
export class WebsocketStatusService {
  constructor(
    private readonly realtime: RealtimeServer,
    private readonly scheduler: JobScheduler,
    private readonly publisher: IntelligencePublisher,
    private readonly broadcast: IntelligenceBroadcastService,
    private readonly countries: CountryRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  status() {
    const nsp = this.intelligenceNamespace();
    const own = nsp ? namespaceStats(nsp) : { namespace: INTELLIGENCE_NAMESPACE, connections: 0, rooms: 0 };
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
      namespaces: this.realtime.namespaces().map(namespaceStats),
      jobs: this.scheduler.statuses(),
    };
  }

  detailedStats() {
    const nsp = this.intelligenceNamespace();
    const rooms = nsp ? roomSizes(nsp) : [];
    const { report, error } = this.broadcast.last;
    return {
      ...this.status(),
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

  async healthCheck() {
    let database = true;
    try {
      await this.countries.ping();
    } catch {
      database = false;
    }
    const job = this.broadcastJob();
    const checks = {
      websocketServer: this.websocketActive(),
      database,
      broadcastService: job !== undefined && job.lastOutcome !== 'failure',
    };
    return { healthy: Object.values(checks).every(Boolean), checks, timestamp: new Date().toISOString() };
  }

  /** Runs the broadcast job now through the scheduler (so its status counts the run). */
  async triggerBroadcast() {
    const job = await this.scheduler.runNow(INTELLIGENCE_BROADCAST_JOB);
    const ok = job.lastOutcome === 'success';
    return { success: ok, job, report: ok ? this.broadcast.last.report : null, ...(ok ? {} : { error: job.lastError }) };
  }

  private websocketActive(): boolean {
    return this.realtime.server !== undefined && this.realtime.isAccepting && this.intelligenceNamespace() !== undefined;
  }

  private intelligenceNamespace(): Namespace | undefined {
    return this.realtime.namespaces().find((n) => n.name === INTELLIGENCE_NAMESPACE);
  }

  private broadcastJob(): JobStatus | undefined {
    return this.scheduler.statuses().find((j) => j.name === INTELLIGENCE_BROADCAST_JOB);
  }
}

function publicRooms(nsp: Namespace): Array<[string, number]> {
  const { rooms, sids } = nsp.adapter;
  const out: Array<[string, number]> = [];
  for (const [room, members] of rooms) {
    if (!sids.has(room)) out.push([room, members.size]);
  }
  return out;
}

function namespaceStats(nsp: Namespace): NamespaceStats {
  return { namespace: nsp.name, connections: nsp.sockets.size, rooms: publicRooms(nsp).length };
}

function roomSizes(nsp: Namespace): Array<{ room: string; sockets: number }> {
  return publicRooms(nsp)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([room, sockets]) => ({ room, sockets }));
}
