/**
 * The Notifications module's contract on `/ws/app` (docs/modules/notifications.md): event
 * names, payloads and the notification DTO shared by the socket events and the HTTP API.
 */
import { z } from 'zod';
import { NOTIFICATION_CATEGORIES, NOTIFICATION_PRIORITIES } from '../../core/ports';

export const APP_NAMESPACE = '/ws/app';

export { NOTIFICATION_CATEGORIES, NOTIFICATION_PRIORITIES } from '../../core/ports';

/** What `GET /api/notifications` returns per item and `notifications:new` carries. Timestamps are ISO strings. */
export const notificationDto = z.object({
  id: z.string(),
  userId: z.string(),
  eventKey: z.string(),
  category: z.enum(NOTIFICATION_CATEGORIES),
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  priority: z.enum(NOTIFICATION_PRIORITIES),
  createdAt: z.string(),
  readAt: z.string().nullable(),
  acknowledgedAt: z.string().nullable(),
});
export type NotificationDto = z.infer<typeof notificationDto>;

/** Sent to a socket once it has joined its `user:<id>` room. Not persisted. */
export const notificationsReadyPayload = z.object({ message: z.string(), userId: z.string() });
export type NotificationsReadyPayload = z.infer<typeof notificationsReadyPayload>;

/** To `user:<id>` when a notification is created. Replayable (carries `offset`). */
export const notificationsNewPayload = z.object({ eventKey: z.string(), notification: notificationDto });
export type NotificationsNewPayload = z.infer<typeof notificationsNewPayload>;

/** To `user:<id>` whenever that user's unread count changes, computed from the database. */
export const notificationsCountPayload = z.object({ unread: z.number().int().nonnegative() });
export type NotificationsCountPayload = z.infer<typeof notificationsCountPayload>;

export interface NotificationsEvents {
  'notifications:ready': NotificationsReadyPayload;
  'notifications:new': NotificationsNewPayload;
  'notifications:count': NotificationsCountPayload;
}

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const NOTIFICATIONS_EVENT_SCHEMAS = {
  'notifications:ready': notificationsReadyPayload,
  'notifications:new': notificationsNewPayload,
  'notifications:count': notificationsCountPayload,
} satisfies { [E in keyof NotificationsEvents]: z.ZodType<NotificationsEvents[E]> };
