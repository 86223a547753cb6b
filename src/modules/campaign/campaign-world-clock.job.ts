import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobScheduler, type JobTick } from '../../core/scheduling';
import { CampaignService } from './campaign.service';

export const WORLD_CLOCK_JOB = 'campaign-world-clock';
/**
 * How often the job looks for clocks due an announcement. A clock is announced about every
 * WORLD_CLOCK_BROADCAST_SECONDS (at most one tick late); between announcements nothing is
 * written: clients compute the time from the clock's anchor.
 */
const WORLD_CLOCK_INTERVAL_MS = 1000;

/**
 * The world clock's periodic announcement: each tick, running clocks whose last
 * announcement or change is WORLD_CLOCK_BROADCAST_SECONDS old are re-anchored and
 * announced in one batched append. The scheduler runs a tick on one instance; the
 * re-anchoring is guarded per campaign, so even a tick run twice (a manual runNow, a lock
 * lost to a Redis failover) announces a clock once.
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
    if (tick.signal.aborted) return; // shutting down: another instance's tick announces the clocks
    await this.campaigns.announceDueClocks(tickStart(tick.scheduledAt));
  }
}

/** The start of the tick a moment falls in: scheduled runs and manual runs of one tick name it alike. */
export function tickStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / WORLD_CLOCK_INTERVAL_MS) * WORLD_CLOCK_INTERVAL_MS);
}
