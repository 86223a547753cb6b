import { PresenceMemoryStore } from './presence-memory.store';
import type { StoredSocket } from './presence.store';

const entry = (userId: string, socketId: string, lastSeen = 100): StoredSocket => ({
  socketId,
  userId,
  connectedAt: 1,
  lastSeen,
  userAgent: null,
  ip: null,
});

describe('PresenceMemoryStore', () => {
  it('creates, refreshes and removes socket entries per user', async () => {
    const store = new PresenceMemoryStore();
    expect((await store.upsert(entry('alice', 's1'))).created).toBe(true);
    const again = await store.upsert(entry('alice', 's1', 200));
    expect(again.created).toBe(false);
    expect(again.user.sockets).toEqual([entry('alice', 's1', 200)]);
    await store.upsert(entry('alice', 's2'));

    const first = await store.remove('alice', 's1', 300);
    expect(first).toMatchObject({ removed: true, user: { lastSeen: 300 } });
    expect(first.user.sockets.map((s) => s.socketId)).toEqual(['s2']);
    expect((await store.remove('alice', 's1', 400)).removed).toBe(false);
  });

  it('keeps the latest last-seen mark', async () => {
    const store = new PresenceMemoryStore();
    await store.remove('alice', 'x', 500);
    await store.remove('alice', 'y', 400);
    expect((await store.get(['alice']))[0].lastSeen).toBe(500);
  });

  it('refresh reports only the entries it had to re-create', async () => {
    const store = new PresenceMemoryStore();
    await store.upsert(entry('alice', 's1'));
    const recreated = await store.refresh([entry('alice', 's1', 150), entry('bob', 's2', 150)]);
    expect(recreated.map((e) => e.socketId)).toEqual(['s2']);
  });

  it('sweeps entries older than the cutoff, within the limit, marking their last seen', async () => {
    const store = new PresenceMemoryStore();
    await store.upsert(entry('alice', 'old1', 10));
    await store.upsert(entry('alice', 'fresh', 1000));
    await store.upsert(entry('bob', 'old2', 20));
    await store.upsert(entry('carol', 'old3', 30));

    const first = await store.sweep(500, 2);
    expect(first.removed).toBe(2);
    const second = await store.sweep(500, 2);
    expect(second.removed).toBe(1);
    expect([...first.userIds, ...second.userIds].sort()).toEqual(['alice', 'bob', 'carol']);

    const [alice, bob] = await store.get(['alice', 'bob']);
    expect(alice.sockets.map((s) => s.socketId)).toEqual(['fresh']);
    expect(bob).toMatchObject({ userId: 'bob', sockets: [], lastSeen: 20 });
  });

  it('forgets the oldest last-seen marks past its cap', async () => {
    const store = new PresenceMemoryStore(2);
    await store.remove('a', 's', 1);
    await store.remove('b', 's', 2);
    await store.remove('c', 's', 3);
    expect((await store.get(['a', 'b', 'c'])).map((u) => u.lastSeen)).toEqual([null, 2, 3]);
  });
});

describe('PresenceMemoryStore versions', () => {
  it('moves the version on with every announced change, and not with a plain keep-alive', async () => {
    const store = new PresenceMemoryStore();
    const connected = (await store.upsert(entry('alice', 's1'))).user.version;
    const heartbeat = (await store.upsert(entry('alice', 's1', 11))).user.version;
    expect(heartbeat).toBeGreaterThan(connected);
    expect(await store.refresh([entry('alice', 's1', 12)])).toEqual([]);
    expect((await store.get(['alice']))[0].version).toBe(heartbeat);
    const removed = await store.remove('alice', 's1', 13);
    expect(removed.user.version).toBeGreaterThan(heartbeat);
    expect((await store.remove('alice', 's1', 14)).user.version).toBe(removed.user.version); // nothing to remove, nothing to announce
    expect(await store.refresh([entry('alice', 's1', 15)])).toHaveLength(1); // re-created: will be announced
    expect((await store.get(['alice']))[0].version).toBeGreaterThan(removed.user.version);
  });
});
