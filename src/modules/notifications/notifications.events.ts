/**
 * The Notifications module's contract on `/ws/app` (CONTRACTS.md §3, seed 004): event
 * names, payloads and the notification DTO shared by the socket events and the HTTP API.
 */
import type { NotificationCategory, NotificationPriority } from '../../core/ports';

export const APP_NAMESPACE = '/ws/app';

export { NOTIFICATION_CATEGORIES, NOTIFICATION_PRIORITIES } from '../../core/ports';

/** What `GET /api/notifications` returns per item and `notifications:new` carries. Timestamps are ISO strings. */
export interface NotificationDto {
  id: string;
  userId: string;
  eventKey: string;
  category: NotificationCategory;
  title: string;
  body: string;
  data: Record<string, unknown>;
  priority: NotificationPriority;
  createdAt: string;
  readAt: string | null;
  acknowledgedAt: string | null;
}

/** Sent to a socket once it has joined its `user:<id>` room. Not persisted. */
export interface NotificationsReadyPayload {
  message: string;
  userId: string;
}

/** To `user:<id>` when a notification is created. Replayable (carries `offset`). */
export interface NotificationsNewPayload {
  eventKey: string;
  notification: NotificationDto;
}

/** To `user:<id>` whenever that user's unread count changes, computed from the database. */
export interface NotificationsCountPayload {
  unread: number;
}

export interface NotificationsEvents {
  'notifications:ready': NotificationsReadyPayload;
  'notifications:new': NotificationsNewPayload;
  'notifications:count': NotificationsCountPayload;
}
