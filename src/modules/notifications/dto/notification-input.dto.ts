import { z } from 'zod';
import { ids } from '../../../core/errors';
import { BATCH_MAX_ITEMS, batchResponseSchema } from '../../../core/realtime';
import { NOTIFICATION_CATEGORIES, NOTIFICATION_PRIORITIES, notificationDto } from '../notifications.events';

/** Largest `data` object a notification may carry (serialised), so events stay small. */
export const MAX_NOTIFICATION_DATA_BYTES = 16 * 1024;
/** Largest fan-out of one request; bigger audiences are split by the caller. */
export const MAX_RECIPIENTS = 1000;

const data = z
  .record(z.string(), z.unknown())
  .refine((d) => Buffer.byteLength(JSON.stringify(d)) <= MAX_NOTIFICATION_DATA_BYTES, `must be at most ${MAX_NOTIFICATION_DATA_BYTES} bytes as JSON`);

/** The fields of a notification, whoever creates it (HTTP or the USER_NOTIFIER port). */
export const notificationContent = z.object({
  eventKey: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'must be a key like achievement.unlocked'),
  category: z.enum(NOTIFICATION_CATEGORIES),
  title: z.string().trim().min(1).max(200),
  body: z.string().max(4000),
  data: data.optional(),
  priority: z.enum(NOTIFICATION_PRIORITIES).default('medium'),
  dedupeKey: z.string().trim().min(1).max(200).optional(),
});

export const notifyRequest = notificationContent.extend({
  userIds: z.array(ids.userId).min(1).max(MAX_RECIPIENTS),
});
export type NotifyInput = z.output<typeof notifyRequest>;

/** `POST /api/notifications`: `userId` for one recipient or `userIds` for many. */
export const createNotificationsBody = notificationContent
  .extend({
    userId: ids.userId.optional(),
    userIds: z.array(ids.userId).min(1).max(MAX_RECIPIENTS).optional(),
  })
  .describe('Give exactly one of userId (one recipient) or userIds (many)')
  .refine((b) => (b.userId === undefined) !== (b.userIds === undefined), {
    message: 'give exactly one of userId or userIds',
    path: ['userIds'],
  })
  .transform(({ userId, userIds, ...rest }): NotifyInput => ({ ...rest, userIds: userIds ?? [userId!] }));

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .transform((v) => v === 'true' || v === '1' || v === '');

/** `GET /api/notifications?unread&limit&before` — `before` is the id of the last notification of the previous page. */
export const listNotificationsQuery = z.object({
  unread: booleanFlag.optional(),
  limit: ids.limit(100, 20),
  before: ids.id.optional(),
});
export type ListNotificationsQuery = z.output<typeof listNotificationsQuery>;

export const notificationIdParam = ids.id;

// Responses.

export const createdNotifications = z.object({
  notifications: z.array(notificationDto),
  duplicates: z.number().int().describe('Recipients skipped because they already had a notification with this dedupe key'),
});
export const notificationPage = z.object({
  notifications: z.array(notificationDto),
  unread: z.number().int(),
  nextBefore: z.string().nullable().describe('Pass as `before` for the next (older) page; null on the last page'),
});
export const readAllResult = z.object({ updated: z.number().int(), unread: z.number().int() });

// Batch publish (POST /api/notifications/batch).

/** What the route documents; it parses `batchPublishBody` and then each item on its own, so a bad item is reported, not fatal. */
export const notificationBatchBody = z
  .strictObject({ items: z.array(createNotificationsBody).min(1).max(BATCH_MAX_ITEMS) })
  .describe('Each item is validated on its own: an invalid one is reported as rejected while the others are stored');

export const notificationBatchResult = batchResponseSchema(
  {
    ids: z.array(z.string()).describe('The notifications created, one per new recipient'),
    duplicates: z.number().int().describe('Recipients skipped because they already had a notification with this dedupe key'),
  },
  { ids: z.array(z.string()).describe('The notifications stored earlier under this dedupeKey') },
);
