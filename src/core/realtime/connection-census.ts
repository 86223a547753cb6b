import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { RealtimeServer } from './realtime-server';

/** How often the census is logged outside production. */
const CENSUS_INTERVAL_MS = 60_000;

export interface ConnectionCensus {
  /** Engine.IO connections open on this instance now (one per client, whatever its namespaces). */
  active: number;
  /** The most that were open at once since start. */
  peak: number;
}

/**
 * Counts this instance's client connections and, outside production, logs the active and
 * peak figures once a minute: a developer watching the console sees clients come and go
 * without opening the metrics endpoint (production has /metrics for that).
 */
@Injectable()
export class ConnectionCensusLogger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Connections');
  private active = 0;
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly realtime: RealtimeServer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const engine = this.realtime.server?.engine as
      | { on(event: 'connection', listener: (conn: { once(event: 'close', listener: () => void): void }) => void): void }
      | undefined;
    engine?.on('connection', (conn) => {
      this.active++;
      this.peak = Math.max(this.peak, this.active);
      conn.once('close', () => this.active--);
    });
    if (this.config.nodeEnv === 'production') return;
    this.timer = setInterval(() => this.logger.log(this.line()), CENSUS_INTERVAL_MS);
    this.timer.unref();
  }

  census(): ConnectionCensus {
    return { active: this.active, peak: this.peak };
  }

  line(): string {
    return `active connections: ${this.active}, peak: ${this.peak}`;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
