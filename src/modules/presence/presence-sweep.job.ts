import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JobScheduler } from '../../core/scheduling';
import { PresenceService } from './presence.service';
import { PRESENCE_TIMINGS, type PresenceTimings } from './presence.timing';

const PRESENCE_SWEEP_JOB = 'presence-sweep';

/**
 * Removes sockets not vouched for within PRESENCE_TTL_SECONDS (a crashed instance's) and
 * broadcasts the resulting snapshots, once per tick across all instances. The interval
 * is derived from the TTL (see presence.timing.ts).
 */
@Injectable()
export class PresenceSweepJob implements OnModuleInit {
  constructor(
    private readonly scheduler: JobScheduler,
    private readonly presence: PresenceService,
    @Inject(PRESENCE_TIMINGS) private readonly timings: PresenceTimings,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: PRESENCE_SWEEP_JOB,
      intervalMs: this.timings.sweepIntervalMs,
      run: async () => {
        await this.presence.sweep();
      },
    });
  }
}
