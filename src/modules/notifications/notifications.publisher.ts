import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import { EventLogService, NAMESPACES, RealtimePublisher, RealtimeServer, userRoom, type SqlTransaction } from '../../core/realtime';
import type { NotificationDto } from './notifications.dto';
import type { NotificationsEvents } from './notifications.events';

/** The only code that emits the Notifications module's events. */
@Injectable()
export class NotificationsPublisher extends RealtimePublisher<NotificationsEvents> {
  constructor(realtime: RealtimeServer, log: EventLogService, metrics: MetricsService) {
    super(NAMESPACES.app, realtime, log, metrics);
  }

  /** To the one socket that just connected (its id is a room of its own). */
  ready(socketId: string, userId: string): void {
    this.emit('notifications:ready', { message: 'Connected to notifications', userId }, [socketId]);
  }

  /** Keyed by notification id: a retried publish of the same notification is delivered once. */
  created(notification: NotificationDto) {
    return this.publish('notifications:new', { eventKey: notification.eventKey, notification }, [userRoom(notification.userId)], {
      idempotencyKey: `notifications:new:${notification.id}`,
    });
  }

  /** Stored in the transaction that stores the notification; emitted after its commit. Same key as `created`. */
  createdIn(tx: SqlTransaction, notification: NotificationDto) {
    return this.publishIn(tx, 'notifications:new', { eventKey: notification.eventKey, notification }, [userRoom(notification.userId)], {
      idempotencyKey: `notifications:new:${notification.id}`,
    });
  }

  unreadCount(userId: string, unread: number) {
    return this.publish('notifications:count', { unread }, [userRoom(userId)]);
  }
}
