import { Injectable } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { NAMESPACES, type ChannelAccess } from '../../core/realtime';
import { NotificationsService } from './notifications.service';

/**
 * The `user:<id>` channels of `/ws/app` (notifications, unread counts, and the message
 * events other modules send there). A user reads only the channels their sockets join on
 * connect, so `subscribe` with `since` and GET /api/history answer as the connection does.
 */
@Injectable()
export class NotificationsChannels implements ChannelAccess {
  readonly namespace = NAMESPACES.app;

  constructor(private readonly notifications: NotificationsService) {}

  matches(channel: string): boolean {
    return channel.startsWith('user:');
  }

  canRead(user: Principal, channel: string): boolean {
    return this.notifications.channelsOf(user.userId).includes(channel);
  }
}
