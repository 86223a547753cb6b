import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { NotificationsPublisher } from './notifications.publisher';
import { NotificationsRepository } from './notifications.repository';

/** Users counted per query. */
const CHUNK = 500;
/**
 * A round starts at least this long after the one before it started. Under a stream of
 * notifications rounds would otherwise follow each other as fast as the database answers,
 * each publishing a count for every user touched since the last, and faster (so more
 * numerous) whenever the database was less busy: in the batch publish bench, one
 * `notifications:count` for every 16 notifications, or every 8 once fewer batches ran at
 * once. A user's badge still moves up to ten times a second, and a change after a quiet
 * spell is counted at once.
 */
export const MIN_ROUND_INTERVAL_MS = 100;

/**
 * Publishes `notifications:count` after a user's unread count may have changed, always
 * computed from the database (never a per-instance counter), so every instance's sockets
 * of that user see the same number. Changes arriving while a round runs (or waits for its
 * turn, MIN_ROUND_INTERVAL_MS) are handled by the next round: a user's counts leave this
 * instance in the order they were computed, and a burst of changes costs one grouped query
 * per round rather than one per change.
 */
@Injectable()
export class UnreadCountBroadcaster implements OnModuleDestroy {
  private readonly logger = new Logger(UnreadCountBroadcaster.name);
  private dirty = new Set<string>();
  private waiters: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private lastRoundAt = -Infinity;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly publisher: NotificationsPublisher,
  ) {}

  /**
   * Resolves once the counts of these users, as of after this call, have been published.
   * Never rejects: the change itself has already been committed, and a count that could
   * not be published is corrected by the next one (and by GET /api/notifications).
   */
  changed(userIds: Iterable<string>): Promise<void> {
    for (const userId of userIds) this.dirty.add(userId);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.running ??= this.drain();
    });
  }

  /** A round still running (a batch does not wait for its counts) finishes while the database and event log are open. */
  async onModuleDestroy(): Promise<void> {
    await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty.size) {
        const early = this.lastRoundAt + MIN_ROUND_INTERVAL_MS - performance.now();
        // Changes arriving meanwhile join this round.
        if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
        this.lastRoundAt = performance.now();
        const users = [...this.dirty];
        const waiters = this.waiters;
        this.dirty = new Set();
        this.waiters = [];
        try {
          for (let i = 0; i < users.length; i += CHUNK) {
            const chunk = users.slice(i, i + CHUNK);
            const counts = await this.repository.unreadCounts(chunk);
            await Promise.all(chunk.map((userId) => this.publisher.unreadCount(userId, counts.get(userId) ?? 0)));
            // Another instance may have counted a later change, and published it, before this
            // count got its offset: ours would then be the last word yet stale. Counting again
            // after our publish committed and republishing what moved makes the highest-offset
            // count of every user the true one once changes stop.
            const after = await this.repository.unreadCounts(chunk);
            for (const userId of chunk) {
              if ((after.get(userId) ?? 0) !== (counts.get(userId) ?? 0)) this.dirty.add(userId);
            }
          }
        } catch (err) {
          this.logger.warn(`could not publish unread counts of ${users.length} user(s): ${(err as Error).message}`);
        } finally {
          for (const resolve of waiters) resolve();
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
