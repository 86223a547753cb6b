import { UnreadCountBroadcaster } from './unread-count.broadcaster';
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
    await new Promise((r) => setImmediate(r));
    expect(publisher.unreadCount.mock.calls).toEqual([
      ['u1', 3],
      ['u1', 4],
    ]);
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
