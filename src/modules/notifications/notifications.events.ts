/**
 * The Notifications module's contract on `/ws/app` (docs/modules/notifications.md): event
 * names and payloads. The notification itself is the DTO of `notifications.dto.ts`, the same
 * object the HTTP API returns.
 */
import { z } from 'zod';
import { notificationDto } from './notifications.dto';

/** Sent to a socket once it has joined its `user:<id>` room. Not persisted. */
const notificationsReadyPayload = z.object({ message: z.string(), userId: z.string() });
type NotificationsReadyPayload = z.infer<typeof notificationsReadyPayload>;

/** To `user:<id>` when a notification is created. Replayable (carries `offset`). */
const notificationsNewPayload = z.object({ eventKey: z.string(), notification: notificationDto });
type NotificationsNewPayload = z.infer<typeof notificationsNewPayload>;

/** To `user:<id>` whenever that user's unread count changes, computed from the database. */
const notificationsCountPayload = z.object({ unread: z.number().int().nonnegative() });
type NotificationsCountPayload = z.infer<typeof notificationsCountPayload>;

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
