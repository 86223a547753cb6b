import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { JobScheduler } from '../../core/scheduling';
import { IntelligenceBroadcastService } from './intelligence-broadcast.service';

export const INTELLIGENCE_BROADCAST_JOB = 'intelligence-broadcast';

/** Every INTELLIGENCE_BROADCAST_INTERVAL_MS, once per tick across instances: change detection and its broadcasts. */
@Injectable()
export class IntelligenceBroadcastJob implements OnModuleInit {
  constructor(
    private readonly scheduler: JobScheduler,
    private readonly broadcast: IntelligenceBroadcastService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: INTELLIGENCE_BROADCAST_JOB,
      intervalMs: this.config.intelligence.broadcastIntervalMs,
      run: async ({ signal }) => {
        await this.broadcast.run(signal);
      },
    });
  }
}
