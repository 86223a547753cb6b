import { Global, Module, OnModuleInit } from '@nestjs/common';
import { USER_NOTIFIER } from '../../core/ports';
import { ChannelRegistry, userRoom } from '../../core/realtime';
import { DiscordWebhookClient } from './notifications-discord.client';
import { UnreadCountBroadcaster } from './notifications-unread.broadcaster';
import { NotificationWebhookJob } from './notifications-webhook.job';
import { NotificationWebhookRepository } from './notifications-webhook.repository';
import { NotificationWebhookService } from './notifications-webhook.service';
import { NotificationsController } from './notifications.controller';
import { APP_NAMESPACE } from './notifications.events';
import { NotificationsGateway } from './notifications.gateway';
import { NotificationsPublisher } from './notifications.publisher';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

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
    NotificationsGateway,
    { provide: USER_NOTIFIER, useExisting: NotificationsService },
  ],
  exports: [NotificationsService, USER_NOTIFIER],
})
export class NotificationsModule implements OnModuleInit {
  constructor(private readonly channels: ChannelRegistry) {}

  /** GET /api/history?channel=user:<id> pages a user's own room (notifications, counts, messages), for that user only. */
  onModuleInit(): void {
    this.channels.register({
      namespace: APP_NAMESPACE,
      matches: (channel) => channel.startsWith('user:'),
      canRead: (user, channel) => channel === userRoom(user.userId),
    });
  }
}
