import type { NotificationRow } from '../notifications.repository';
import type { NotificationDto } from '../notifications.events';

export function toNotificationDto(row: NotificationRow): NotificationDto {
  return {
    id: row.id,
    userId: row.userId,
    eventKey: row.eventKey,
    category: row.category as NotificationDto['category'],
    title: row.title,
    body: row.body,
    data: (row.data ?? {}) as Record<string, unknown>,
    priority: row.priority as NotificationDto['priority'],
    createdAt: row.createdAt.toISOString(),
    readAt: row.readAt?.toISOString() ?? null,
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
  };
}
