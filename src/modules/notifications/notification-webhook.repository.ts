import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import type { NotificationRow } from './notifications.repository';

type DeliveryStatus = 'pending' | 'delivering' | 'delivered' | 'failed' | 'skipped';

export interface ClaimedDelivery {
  id: string;
  target: string;
  /** HTTP attempts made before this one. */
  attempts: number;
  notification: NotificationRow;
}

/**
 * Webhook delivery rows (notification × target). A delivery is claimed by moving it to
 * `delivering` under FOR UPDATE SKIP LOCKED with a lease, so instances (and overlapping
 * runs) never post the same one twice.
 */
@Injectable()
export class NotificationWebhookRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Claims up to `limit` due deliveries of unacknowledged notifications. */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const claimed = await this.prisma.$queryRaw<Array<{ id: string; notificationId: string; target: string; attempts: number }>>`
      WITH due AS (
        SELECT d.id FROM notification_webhook_deliveries d
          JOIN notifications n ON n.id = d.notification_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ${now} AND n.acknowledged_at IS NULL
         ORDER BY d.next_attempt_at, d.id
         LIMIT ${limit}
         FOR UPDATE OF d SKIP LOCKED)
      UPDATE notification_webhook_deliveries d
         SET status = 'delivering', lease_until = ${leaseUntil}, updated_at = ${now}
        FROM due WHERE d.id = due.id
      RETURNING d.id, d.notification_id AS "notificationId", d.target, d.attempts`;
    if (!claimed.length) return [];
    const notifications = await this.prisma.notification.findMany({ where: { id: { in: claimed.map((c) => c.notificationId) } } });
    const byId = new Map(notifications.map((n) => [n.id, n]));
    return claimed
      .filter((c) => byId.has(c.notificationId))
      .map((c) => ({ id: c.id, target: c.target, attempts: Number(c.attempts), notification: byId.get(c.notificationId)! }));
  }

  /** Pending deliveries whose notification was acknowledged meanwhile are not escalated. */
  async skipAcknowledged(): Promise<number> {
    const { count } = await this.prisma.notificationWebhookDelivery.updateMany({
      where: { status: 'pending', notification: { acknowledgedAt: { not: null } } },
      data: { status: 'skipped', lastError: 'acknowledged before delivery' },
    });
    return count;
  }

  /**
   * A claim whose lease ran out belongs to an instance that stopped mid-request: whether
   * Discord got the post is unknown, so it is closed as failed rather than posted again.
   */
  async expireLeases(now: Date): Promise<number> {
    const { count } = await this.prisma.notificationWebhookDelivery.updateMany({
      where: { status: 'delivering', leaseUntil: { lt: now } },
      data: {
        status: 'failed',
        attempts: { increment: 1 },
        leaseUntil: null,
        lastError: 'delivery interrupted (instance stopped mid-request); outcome unknown, not retried',
      },
    });
    return count;
  }

  async delivered(id: string, at: Date): Promise<void> {
    await this.finish(id, { status: 'delivered', deliveredAt: at, lastError: null });
  }

  async retryAt(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.finish(id, { status: 'pending', nextAttemptAt, lastError: error });
  }

  async failed(id: string, error: string): Promise<void> {
    await this.finish(id, { status: 'failed', lastError: error });
  }

  /**
   * Extends the lease of claimed deliveries still in `delivering` (still ours: an expired
   * claim has been closed by expireLeases) and returns the ids still held.
   */
  async renewLeases(ids: string[], leaseUntil: Date): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.prisma.$queryRaw<Array<{ id: string }>>`
      UPDATE notification_webhook_deliveries SET lease_until = ${leaseUntil}
       WHERE id = ANY(${ids}::text[]) AND status = 'delivering'
      RETURNING id`;
    return new Set(rows.map((r) => r.id));
  }

  /** Hands back claimed deliveries that were not attempted (the target asked us to wait). */
  async release(ids: string[], nextAttemptAt: Date): Promise<void> {
    if (!ids.length) return;
    await this.prisma.notificationWebhookDelivery.updateMany({
      where: { id: { in: ids }, status: 'delivering' },
      data: { status: 'pending', nextAttemptAt, leaseUntil: null },
    });
  }

  /** When the next pending delivery falls due, if any. */
  async nextDue(): Promise<Date | undefined> {
    const row = await this.prisma.notificationWebhookDelivery.findFirst({
      where: { status: 'pending' },
      orderBy: { nextAttemptAt: 'asc' },
      select: { nextAttemptAt: true },
    });
    return row?.nextAttemptAt;
  }

  /** Records one attempt's result, only while the claim is still ours. */
  private async finish(
    id: string,
    data: { status: DeliveryStatus; lastError: string | null; deliveredAt?: Date; nextAttemptAt?: Date },
  ): Promise<void> {
    await this.prisma.notificationWebhookDelivery.updateMany({
      where: { id, status: 'delivering' },
      data: { ...data, attempts: { increment: 1 }, leaseUntil: null },
    });
  }
}
