/**
 * Every shape of the Notifications module: the validated inputs (HTTP bodies and queries,
 * the USER_NOTIFIER port), the notification as the API and `notifications:new` show it,
 * and the mapper from a stored row to it.
 */
import { z } from 'zod';
import { ids } from '../../core/errors';
import { pageSchema, type Page } from '../../core/paging';
import { BATCH_MAX_ITEMS, batchResponseSchema, type BatchItemResult } from '../../core/realtime';
import { NOTIFICATION_CATEGORIES, NOTIFICATION_PRIORITIES } from '../../core/ports';
import type { Notification } from '../../generated/prisma/client';

/** Largest `data` object a notification may carry (serialised), so events stay small. */
const MAX_NOTIFICATION_DATA_BYTES = 16 * 1024;
/** Largest fan-out of one request; bigger audiences are split by the caller. */
const MAX_RECIPIENTS = 1000;

const data = z
  .record(z.string(), z.unknown())
  .refine((d) => Buffer.byteLength(JSON.stringify(d)) <= MAX_NOTIFICATION_DATA_BYTES, `must be at most ${MAX_NOTIFICATION_DATA_BYTES} bytes as JSON`);

/** The fields of a notification, whoever creates it (HTTP or the USER_NOTIFIER port). */
const notificationContent = z.object({
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

/** One notification for one or more users: the USER_NOTIFIER port's request, and what every create becomes. */
export const notifyInput = notificationContent.extend({
  userIds: z.array(ids.userId).min(1).max(MAX_RECIPIENTS),
});
export type NotifyInput = z.output<typeof notifyInput>;

/** `POST /api/notifications`: `userId` for one recipient or `userIds` for many. */
export const createNotificationsInput = notificationContent
  .extend({
    userId: ids.userId.optional(),
    userIds: z.array(ids.userId).min(1).max(MAX_RECIPIENTS).optional(),
  })
  .describe('Give exactly one of userId (one recipient) or userIds (many)')
  .refine((b) => (b.userId === undefined) !== (b.userIds === undefined), {
    message: 'give exactly one of userId or userIds',
    path: ['userIds'],
  });
export type CreateNotificationsInput = z.output<typeof createNotificationsInput>;

/**
 * A validated create body as the one notify request it is. Done here rather than as the
 * schema's `.transform`: in a batch of 500 items the transform (a schema pipe and an object
 * rest) cost ~4 µs per item, more than half of the item's validation.
 */
export function toNotifyInput(b: CreateNotificationsInput): NotifyInput {
  // Every key of NotifyInput, optional ones too: a field added to the content must be copied here.
  const input: { [K in keyof Required<NotifyInput>]: NotifyInput[K] } = {
    eventKey: b.eventKey,
    category: b.category,
    title: b.title,
    body: b.body,
    data: b.data,
    priority: b.priority,
    dedupeKey: b.dedupeKey,
    userIds: b.userIds ?? [b.userId!],
  };
  return input;
}

const booleanFlag = z
  .enum(['true', 'false', '1', '0', ''])
  .transform((v) => v === 'true' || v === '1' || v === '');

/** `GET /api/notifications?unread&limit&before` — `before` is the id of the last notification of the previous page. */
export const listNotificationsInput = z.object({
  unread: booleanFlag.optional(),
  limit: ids.limit(100, 20),
  before: ids.id.optional(),
});
export type ListNotificationsInput = z.output<typeof listNotificationsInput>;

/** `:id` of the routes that act on one notification. */
export const notificationIdInput = ids.id;

// Outputs.

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

export const createdNotificationsDto = z.object({
  notifications: z.array(notificationDto),
  duplicates: z.number().int().describe('Recipients skipped because they already had a notification with this dedupe key'),
});
export type CreatedNotificationsDto = z.infer<typeof createdNotificationsDto>;

/** The page shape of every list route, plus the caller's unread count. */
export const notificationPageDto = pageSchema(notificationDto).extend({ unread: z.number().int() });
export type NotificationPageDto = Page<NotificationDto> & { unread: number };

export const readAllDto = z.object({ updated: z.number().int(), unread: z.number().int() });
export type ReadAllDto = z.infer<typeof readAllDto>;

export function toNotificationDto(row: Notification): NotificationDto {
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

// Batch publish (POST /api/notifications/batch).

/** What the route documents; it parses `batchPublishBody` and then each item on its own, so a bad item is reported, not fatal. */
export const notificationBatchInput = z
  .strictObject({ items: z.array(createNotificationsInput).min(1).max(BATCH_MAX_ITEMS) })
  .describe('Each item is validated on its own: an invalid one is reported as rejected while the others are stored');

export const notificationBatchResultDto = batchResponseSchema(
  {
    ids: z.array(z.string()).describe('The notifications created, one per new recipient'),
    duplicates: z.number().int().describe('Recipients skipped because they already had a notification with this dedupe key'),
  },
  { ids: z.array(z.string()).describe('The notifications stored earlier under this dedupeKey') },
);
/** A batch item's outcome: the notifications it created (and recipients skipped), or those its dedupe key had stored before. */
export type NotificationBatchItemResult = BatchItemResult<{ ids: string[]; duplicates: number }, { ids: string[] }>;
