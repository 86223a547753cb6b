import { MIN_ROUND_INTERVAL_MS, UnreadCountBroadcaster } from './unread-count.broadcaster';
import type { NotificationsPublisher } from './notifications.publisher';
import type { NotificationsRepository } from './notifications.repository';

describe('UnreadCountBroadcaster', () => {
  it('publishes the count from the database, and again when it moved while publishing', async () => {
    // Another instance's change lands between our count and our publish: the recount catches it.
    const answers = [3, 4, 4, 4];
    const repository = { unreadCounts: jest.fn(async (users: string[]) => new Map(users.map((u) => [u, answers.shift()!]))) };
    const publisher = { unreadCount: jest.fn().mockResolvedValue(undefined) };
    const broadcaster = new UnreadCountBroadcaster(repository as unknown as NotificationsRepository, publisher as unknown as NotificationsPublisher);
    await broadcaster.changed(['u1']);
    await new Promise((r) => setTimeout(r, MIN_ROUND_INTERVAL_MS + 50));
    expect(publisher.unreadCount.mock.calls).toEqual([
      ['u1', 3],
      ['u1', 4],
    ]);
  });

  describe('pacing', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('counts a change after a quiet spell at once, and gathers the changes of the next interval into one round', async () => {
      const repository = { unreadCounts: jest.fn(async (users: string[]) => new Map(users.map((u) => [u, 1]))) };
      const publisher = { unreadCount: jest.fn().mockResolvedValue(undefined) };
      const broadcaster = new UnreadCountBroadcaster(repository as unknown as NotificationsRepository, publisher as unknown as NotificationsPublisher);
      await broadcaster.changed(['u1']);
      expect(publisher.unreadCount.mock.calls).toEqual([['u1', 1]]);

      let done = 0;
      void broadcaster.changed(['u2']).then(() => done++);
      void broadcaster.changed(['u3']).then(() => done++);
      await jest.advanceTimersByTimeAsync(MIN_ROUND_INTERVAL_MS - 10);
      expect(publisher.unreadCount).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(10);
      expect(done).toBe(2);
      // One round for both: one count before publishing (and one after) over both users.
      expect(repository.unreadCounts.mock.calls.slice(2)).toEqual([[['u2', 'u3']], [['u2', 'u3']]]);
      expect(publisher.unreadCount.mock.calls.slice(1)).toEqual([
        ['u2', 1],
        ['u3', 1],
      ]);

      // Quiet for longer than the interval: the next change goes at once.
      await jest.advanceTimersByTimeAsync(MIN_ROUND_INTERVAL_MS * 3);
      await broadcaster.changed(['u4']);
      expect(publisher.unreadCount).toHaveBeenLastCalledWith('u4', 1);
    });
  });

  it('never rejects when publishing fails', async () => {
    const repository = { unreadCounts: jest.fn().mockRejectedValue(new Error('db down')) };
    const publisher = { unreadCount: jest.fn() };
    const broadcaster = new UnreadCountBroadcaster(repository as unknown as NotificationsRepository, publisher as unknown as NotificationsPublisher);
    await expect(broadcaster.changed(['u1'])).resolves.toBeUndefined();
  });

  it('lets a running round finish before the module is destroyed', async () => {
    let answer!: (counts: Map<string, number>) => void;
    const repository = {
      unreadCounts: jest
        .fn()
        .mockImplementationOnce(() => new Promise<Map<string, number>>((resolve) => (answer = resolve)))
        .mockResolvedValue(new Map([['u1', 1]])),
    };
    const publisher = { unreadCount: jest.fn().mockResolvedValue(undefined) };
    const broadcaster = new UnreadCountBroadcaster(repository as unknown as NotificationsRepository, publisher as unknown as NotificationsPublisher);
    void broadcaster.changed(['u1']);
    let destroyed = false;
    const destroying = broadcaster.onModuleDestroy().then(() => (destroyed = true));
    await new Promise((r) => setImmediate(r));
    expect(destroyed).toBe(false);
    answer(new Map([['u1', 1]]));
    await destroying;
    expect(publisher.unreadCount).toHaveBeenCalledWith('u1', 1);
  });
});
