import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobScheduler } from '../../core/scheduling';
import { NotificationWebhookService } from './notification-webhook.service';

const WEBHOOK_JOB = 'notifications-discord-webhook';

/**
 * Once per tick across instances, delivers whatever webhook deliveries fell due and
 * closes abandoned claims. New notifications and retries are also started at once by the
 * instance that made them (NotificationWebhookService.kick); this job is the safety net
 * for work left by stopped instances and timers that never fired. Registered only when
 * Discord delivery is enabled.
 */
@Injectable()
export class NotificationWebhookJob implements OnModuleInit {
  constructor(
    private readonly scheduler: JobScheduler,
    private readonly deliveries: NotificationWebhookService,
  ) {}

  onModuleInit(): void {
    if (!this.deliveries.enabled) return;
    this.scheduler.register({
      name: WEBHOOK_JOB,
      intervalMs: this.deliveries.settings.jobIntervalMs,
      run: ({ signal }) => this.deliveries.drain(signal),
    });
  }
}
