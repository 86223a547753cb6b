import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobScheduler, type JobTick } from '../../core/scheduling';
import { CampaignService } from './campaign.service';

export const WORLD_CLOCK_JOB = 'campaign-world-clock';
/** One tick per real second: a running clock's rate is world seconds per real second. */
export const WORLD_CLOCK_INTERVAL_MS = 1000;

/**
 * The world clock: each tick, every running campaign clock advances by its rate and
 * `world_time_changed` goes out. The scheduler runs a tick on one instance; the tick's
 * start time is also recorded per campaign, so even a tick run twice (a manual runNow,
 * a lock lost to a Redis failover) advances a clock once.
 */
@Injectable()
export class CampaignWorldClockJob implements OnModuleInit {
  constructor(
    private readonly scheduler: JobScheduler,
    private readonly campaigns: CampaignService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: WORLD_CLOCK_JOB, intervalMs: WORLD_CLOCK_INTERVAL_MS, run: (tick) => this.run(tick) });
  }

  async run(tick: JobTick): Promise<void> {
    if (tick.signal.aborted) return; // shutting down: the next instance's tick moves the clocks
    await this.campaigns.advanceRunningClocks(tickStart(tick.scheduledAt));
  }
}

/** The start of the tick a moment falls in: scheduled runs and manual runs of one tick name it alike. */
export function tickStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / WORLD_CLOCK_INTERVAL_MS) * WORLD_CLOCK_INTERVAL_MS);
}
