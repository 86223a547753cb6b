import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import type { Transaction } from '../../core/realtime';
import { Prisma, type Notification } from '../../generated/prisma/client';

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

  /**
   * Inserts the notifications (those whose dedupe key the user already has are skipped)
   * and their webhook delivery rows in the caller's transaction (which also stores their
   * `notifications:new` events). Returns the rows created.
   */
  async create({ db: tx }: Transaction, items: NewNotification[]): Promise<NotificationRow[]> {
    {
      const created = await tx.notification.createManyAndReturn({
        data: items.map((n) => ({
          userId: n.userId,
          eventKey: n.eventKey,
          category: n.category,
          title: n.title,
          body: n.body,
          data: n.data as Prisma.InputJsonObject,
          priority: n.priority,
          dedupeKey: n.dedupeKey ?? null,
        })),
        skipDuplicates: true,
      });
      // A user appears once per request, so the user id finds the item a row came from.
      const targets = new Map(items.map((n) => [n.userId, n.webhookTarget]));
      const deliveries = created.flatMap((row) => {
        const target = targets.get(row.userId);
        return target ? [{ notificationId: row.id, target }] : [];
      });
      if (deliveries.length) await tx.notificationWebhookDelivery.createMany({ data: deliveries, skipDuplicates: true });
      return created;
    }
  }

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
    return this.prisma.notification.count({ where: { userId, readAt: null } });
  }

  /** Unread counts of several users in one query; users with none are reported as 0. */
  async unreadCounts(userIds: string[]): Promise<Map<string, number>> {
    const rows = await this.prisma.notification.groupBy({
      by: ['userId'],
      where: { userId: { in: userIds }, readAt: null },
      _count: { _all: true },
    });
    const counts = new Map(userIds.map((u) => [u, 0]));
    for (const row of rows) counts.set(row.userId, row._count._all);
    return counts;
  }
}
