import { Injectable } from '@nestjs/common';
import { DomainError, parseInput } from '../../core/errors';
import type { NotifyRequest, UserNotifier } from '../../core/ports';
import { pageRequest, toPage } from '../../core/paging';
import { UnitOfWork, userRoom } from '../../core/realtime';
import { NotificationWebhookService } from './notification-webhook.service';
import {
  notifyInput,
  toNotificationDto,
  type CreatedNotificationsDto,
  type ListNotificationsInput,
  type NotificationDto,
  type NotificationPageDto,
  type NotifyInput,
  type ReadAllDto,
} from './notifications.dto';
import { NotificationsPublisher } from './notifications.publisher';
import { NotificationsRepository, type NotificationRow } from './notifications.repository';
import { UnreadCountBroadcaster } from './unread-count.broadcaster';

/**
 * Creating, listing and reading notifications, and the USER_NOTIFIER port other modules
 * call. Every operation is scoped to one user: another user's notification is "not found".
 */
@Injectable()
export class NotificationsService implements UserNotifier {
  constructor(
    private readonly repository: NotificationsRepository,
    private readonly publisher: NotificationsPublisher,
    private readonly counts: UnreadCountBroadcaster,
    private readonly webhook: NotificationWebhookService,
    private readonly uow: UnitOfWork,
  ) {}

  /**
   * The channels a user's sockets join on connect, which are also the only `user:` channels
   * that user may read (subscribe with `since`, GET /api/history): their own room.
   */
  channelsOf(userId: string): string[] {
    return [userRoom(userId)];
  }

  /** USER_NOTIFIER: validated like the HTTP route, since callers pass data from anywhere. */
  async notify(request: NotifyRequest): Promise<void> {
    await this.create(parseInput(notifyInput, request, 'notify'));
  }

  /**
   * Stores one notification per recipient together with its `notifications:new` (one
   * transaction, emitted after the commit), then the new unread counts; webhook escalation
   * runs apart and never holds this up.
   */
  async create(input: NotifyInput): Promise<CreatedNotificationsDto> {
    const userIds = [...new Set(input.userIds)];
    const webhookTarget = this.webhook.targetFor(input);
    const rows = await this.uow.run(async (tx) => {
      const stored = await this.repository.create(
        tx,
        userIds.map((userId) => ({
        userId,
        eventKey: input.eventKey,
        category: input.category,
        title: input.title,
        body: input.body,
        data: input.data ?? {},
        priority: input.priority,
          dedupeKey: input.dedupeKey,
          webhookTarget,
        })),
      );
      for (const row of stored) this.publisher.createdIn(tx, toNotificationDto(row));
      return stored;
    });
    const notifications = rows.map(toNotificationDto);
    if (webhookTarget && notifications.length) this.webhook.kick();
    const repaired = input.dedupeKey && rows.length < userIds.length ? await this.republishUnsent(userIds, rows, input.dedupeKey) : [];
    const changed = [...notifications.map((n) => n.userId), ...repaired];
    if (changed.length) await this.counts.changed(changed);
    return { notifications, duplicates: userIds.length - notifications.length };
  }

  /**
   * A retry with the same dedupe key stores nothing new. A notification stored without its
   * `notifications:new` (by a version before the transactional outbox, or written by hand)
   * is offered again under the same idempotency key, which lets it through only in that
   * case (still unread: one already read needs no announcing). Returns whose went out.
   */
  private async republishUnsent(userIds: string[], created: NotificationRow[], dedupeKey: string): Promise<string[]> {
    const fresh = new Set(created.map((r) => r.userId));
    const existing = await this.repository.findUnreadByDedupeKey(
      userIds.filter((u) => !fresh.has(u)),
      dedupeKey,
    );
    const sent = await Promise.all(existing.map((row) => this.publisher.created(toNotificationDto(row))));
    return existing.filter((_, i) => sent[i] !== undefined).map((row) => row.userId);
  }

  async list(userId: string, query: ListNotificationsInput): Promise<NotificationPageDto> {
    const before = query.before === undefined ? undefined : await this.repository.find(userId, query.before);
    if (query.before !== undefined && !before) throw DomainError.badRequest('before: no such notification');
    const [rows, unread] = await Promise.all([
      this.repository.list(userId, { unreadOnly: query.unread ?? false, limit: pageRequest(query.limit), before: before ?? undefined }),
      this.repository.unreadCount(userId),
    ]);
    return { ...toPage(rows, query.limit, toNotificationDto, (row) => row.id), unread };
  }

  /** Idempotent: reading a read notification changes nothing and publishes nothing. */
  async markRead(userId: string, id: string): Promise<NotificationDto> {
    const { row, changed } = await this.repository.markRead(userId, id, new Date());
    if (!row) throw notFound(id);
    if (changed) await this.counts.changed([userId]);
    return toNotificationDto(row);
  }

  /** Acknowledging reads the notification too and stops its webhook escalation. Idempotent. */
  async acknowledge(userId: string, id: string): Promise<NotificationDto> {
    const { row, readChanged } = await this.repository.acknowledge(userId, id, new Date());
    if (!row) throw notFound(id);
    if (readChanged) await this.counts.changed([userId]);
    return toNotificationDto(row);
  }

  async readAll(userId: string): Promise<ReadAllDto> {
    const updated = await this.repository.markAllRead(userId, new Date());
    if (updated) await this.counts.changed([userId]);
    return { updated, unread: await this.repository.unreadCount(userId) };
  }
}

function notFound(id: string): DomainError {
  return DomainError.notFound(`notification ${id} not found`);
}
