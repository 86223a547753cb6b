import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import type { SqlTransaction } from '../../core/realtime';
import { Prisma, type Notification } from '../../generated/prisma/client';
import { timeOrderedUuid } from './time-ordered-uuid';

export type NotificationRow = Notification;

export interface NewNotification {
  userId: string;
  eventKey: string;
  category: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  priority: string;
  dedupeKey: string | undefined;
  /** Webhook target to escalate this notification to, if any (a delivery row is written with it). */
  webhookTarget: string | undefined;
}

interface ListOptions {
  unreadOnly: boolean;
  limit: number;
  /** The last notification of the previous page. */
  before: Pick<NotificationRow, 'id' | 'createdAt'> | undefined;
}

/** The only code touching notification rows. Every read and write is scoped by the owner's user id. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The users' notifications stored under this dedupe key that nobody has read or acknowledged yet. */
  async findUnreadByDedupeKey(userIds: string[], dedupeKey: string): Promise<NotificationRow[]> {
    return this.prisma.notification.findMany({ where: { userId: { in: userIds }, dedupeKey, readAt: null, acknowledgedAt: null } });
  }

  async find(userId: string, id: string): Promise<NotificationRow | null> {
    return this.prisma.notification.findFirst({ where: { id, userId } });
  }

  /** Newest first; `before` pages on (createdAt, id) so equal timestamps never skip or repeat rows. */
  async list(userId: string, options: ListOptions): Promise<NotificationRow[]> {
    const where: Prisma.NotificationWhereInput = { userId };
    if (options.unreadOnly) where.readAt = null;
    const cursor = options.before;
    if (cursor) {
      where.OR = [
        { createdAt: { lt: cursor.createdAt } },
        { createdAt: cursor.createdAt, id: { lt: cursor.id } },
      ];
    }
    return this.prisma.notification.findMany({
      where,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit,
    });
  }

  /** Sets readAt if unset. `changed` says whether this call did it (the unread count moved). */
  async markRead(userId: string, id: string, at: Date): Promise<{ row: NotificationRow | null; changed: boolean }> {
    const { count } = await this.prisma.notification.updateMany({ where: { id, userId, readAt: null }, data: { readAt: at } });
    return { row: await this.find(userId, id), changed: count === 1 };
  }

  /**
   * Acknowledging also reads the notification and cancels its pending webhook deliveries:
   * an acknowledged notification is not escalated further.
   */
  async acknowledge(userId: string, id: string, at: Date): Promise<{ row: NotificationRow | null; readChanged: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      const read = await tx.notification.updateMany({ where: { id, userId, readAt: null }, data: { readAt: at } });
      const acked = await tx.notification.updateMany({ where: { id, userId, acknowledgedAt: null }, data: { acknowledgedAt: at } });
      if (acked.count) {
        await tx.notificationWebhookDelivery.updateMany({
          where: { notificationId: id, status: 'pending' },
          data: { status: 'skipped', lastError: 'acknowledged before delivery' },
        });
      }
      return { row: await tx.notification.findFirst({ where: { id, userId } }), readChanged: read.count === 1 };
    });
  }

  async markAllRead(userId: string, at: Date): Promise<number> {
    const { count } = await this.prisma.notification.updateMany({ where: { userId, readAt: null }, data: { readAt: at } });
    return count;
  }

  async unreadCount(userId: string): Promise<number> {
    return (await this.unreadCounts([userId])).get(userId) ?? 0;
  }

  /**
   * Unread counts of several users in one query; users with none are reported as 0. Read
   * from the counters the database keeps with every write to notifications (at most 16 rows
   * per user), so the cost does not grow with a user's unread backlog.
   */
  async unreadCounts(userIds: string[]): Promise<Map<string, number>> {
    const rows = await this.prisma.notificationUnreadCount.groupBy({
      by: ['userId'],
      where: { userId: { in: userIds } },
      _sum: { unread: true },
    });
    const counts = new Map(userIds.map((u) => [u, 0]));
    for (const row of rows) counts.set(row.userId, row._sum.unread ?? 0);
    return counts;
  }

  /**
   * Batch publish: inserts the notifications of many requests in one statement (plus one
   * for their webhook delivery rows) inside the caller's transaction. Returns, per input
   * and in the same order, the row created, or undefined where the user already had a
   * notification with that dedupe key (also one created earlier in the same call). Ids are
   * made here (UUIDs, as Prisma makes them), so each returned row maps back to its input;
   * they are time-ordered (timeOrderedUuid), because the rows of one transaction share
   * their created_at and the newest-first listing then orders them by id. The insert answers
   * in one row (the inputs it skipped, and the stored rows' time) rather than a row each.
   * `data` is read from the parsed input with `->`, not as a `jsonb` column of the record set
   * (docs/platform.md, "Database").
   */
  async createMany(tx: SqlTransaction, items: NewNotification[]): Promise<Array<NotificationRow | undefined>> {
    if (!items.length) return [];
    const input = items.map((n, ord) => ({
      ord,
      id: timeOrderedUuid(),
      user_id: n.userId,
      event_key: n.eventKey,
      category: n.category,
      title: n.title,
      body: n.body,
      data: n.data,
      priority: n.priority,
      dedupe_key: n.dedupeKey ?? null,
    }));
    const [written] = await tx.query<{ skipped: number[]; created_at: Date | string | null }>(
      `WITH doc AS MATERIALIZED (
         SELECT $1::jsonb AS d
       ), input AS (
         SELECT i.ord, i.id, i.user_id, i.event_key, i.category, i.title, i.body, doc.d -> i.ord -> 'data' AS data, i.priority, i.dedupe_key
           FROM doc CROSS JOIN LATERAL jsonb_to_recordset(doc.d)
             AS i(ord int, id text, user_id text, event_key text, category text, title text, body text, priority text, dedupe_key text)
       ), stored AS (
         INSERT INTO notifications (id, user_id, event_key, category, title, body, data, priority, dedupe_key)
         SELECT id, user_id, event_key, category, title, body, data, priority, dedupe_key FROM input
         ON CONFLICT (user_id, dedupe_key) DO NOTHING
         RETURNING id, created_at
       )
       SELECT ARRAY(SELECT ord FROM input WHERE NOT EXISTS (SELECT 1 FROM stored WHERE stored.id = input.id)) AS skipped,
              (SELECT max(created_at) FROM stored) AS created_at`,
      [JSON.stringify(input)],
    );
    // One row: the inputs not stored (dedupe key used before) and the time of the stored ones,
    // which the column's default makes the transaction's time, the same for every row.
    const skipped = new Set(written.skipped);
    const createdAtMs = new Date(written.created_at ?? 0).getTime();
    const deliveries = input.flatMap((row, i) => (!skipped.has(i) && items[i].webhookTarget ? [{ notification_id: row.id, target: items[i].webhookTarget }] : []));
    if (deliveries.length) {
      await tx.query(
        `INSERT INTO notification_webhook_deliveries (id, notification_id, target, updated_at)
         SELECT gen_random_uuid()::text, notification_id, target, CURRENT_TIMESTAMP
           FROM jsonb_to_recordset($1::jsonb) AS d(notification_id text, target text)
         ON CONFLICT (notification_id, target) DO NOTHING`,
        [JSON.stringify(deliveries)],
      );
    }
    return input.map((row, i) => {
      if (skipped.has(i)) return undefined;
      const n = items[i];
      return {
        id: row.id,
        userId: n.userId,
        eventKey: n.eventKey,
        category: n.category,
        title: n.title,
        body: n.body,
        data: n.data as Prisma.JsonValue,
        priority: n.priority,
        dedupeKey: n.dedupeKey ?? null,
        createdAt: new Date(createdAtMs),
        readAt: null,
        acknowledgedAt: null,
      };
    });
  }

  /** Batch publish: the ids of the notifications stored under these (user, dedupe key) pairs. */
  async idsByDedupeKey(tx: SqlTransaction, pairs: Array<{ userId: string; dedupeKey: string }>): Promise<Map<string, string>> {
    if (!pairs.length) return new Map();
    const rows = await tx.query<{ id: string; user_id: string; dedupe_key: string }>(
      `SELECT n.id, n.user_id, n.dedupe_key FROM notifications n
         JOIN unnest($1::text[], $2::text[]) AS p(user_id, dedupe_key) ON n.user_id = p.user_id AND n.dedupe_key = p.dedupe_key`,
      [pairs.map((p) => p.userId), pairs.map((p) => p.dedupeKey)],
    );
    return new Map(rows.map((r) => [dedupeSlot(r.user_id, r.dedupe_key), r.id]));
  }
}

/** The key of one (user, dedupe key) pair in idsByDedupeKey's map. */
export function dedupeSlot(userId: string, dedupeKey: string): string {
  return `${userId}\u0000${dedupeKey}`;
}
