import { Global, Module, OnModuleInit } from '@nestjs/common';
import { USER_NOTIFIER } from '../../core/ports';
import { ChannelRegistry } from '../../core/realtime';
import { DiscordWebhookClient } from './discord-webhook.client';
import { NotificationWebhookJob } from './notification-webhook.job';
import { NotificationWebhookRepository } from './notification-webhook.repository';
import { NotificationWebhookService } from './notification-webhook.service';
import { NotificationsChannels } from './notifications.channels';
import { NotificationsController } from './notifications.controller';
import { NotificationsGateway } from './notifications.gateway';
import { NotificationsPublisher } from './notifications.publisher';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';
import { UnreadCountBroadcaster } from './unread-count.broadcaster';

/**
 * In-app notifications on `/ws/app` and over HTTP, with Discord escalation. Global so any
 * module can inject USER_NOTIFIER without importing this one.
 */
@Global()
@Module({
  controllers: [NotificationsController],
  providers: [
    NotificationsRepository,
    NotificationWebhookRepository,
    NotificationsPublisher,
    UnreadCountBroadcaster,
    DiscordWebhookClient,
    NotificationWebhookService,
    NotificationWebhookJob,
    NotificationsService,
    NotificationsChannels,
    NotificationsGateway,
    { provide: USER_NOTIFIER, useExisting: NotificationsService },
  ],
  exports: [USER_NOTIFIER],
})
export class NotificationsModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly channels: NotificationsChannels,
  ) {}

  /** GET /api/history?channel=user:<id> pages a user's own room (notifications, counts, messages), for that user only. */
  onModuleInit(): void {
    this.registry.register(this.channels);
  }
}
