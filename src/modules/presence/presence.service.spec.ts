import type { Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import type { PresenceDto } from './presence.dto';
import { PresenceMemoryStore } from './presence-memory.store';
import type { PresencePublisher } from './presence.publisher';
import { PresenceService } from './presence.service';
import type { PresenceStore } from './presence.store';
import { presenceTimings } from './presence.timing';

/** The in-memory store with a switch that makes every call fail like an unreachable Redis. */
class FlakyStore implements PresenceStore {
  down = false;
  constructor(readonly inner = new PresenceMemoryStore()) {}
  private guard() {
    if (this.down) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  }
  upsert: PresenceStore['upsert'] = async (e) => (this.guard(), this.inner.upsert(e));
  refresh: PresenceStore['refresh'] = async (e) => (this.guard(), this.inner.refresh(e));
  remove: PresenceStore['remove'] = async (u, s, at) => (this.guard(), this.inner.remove(u, s, at));
  sweep: PresenceStore['sweep'] = async (c, l) => (this.guard(), this.inner.sweep(c, l));
  get: PresenceStore['get'] = async (ids) => (this.guard(), this.inner.get(ids));
}

function setup(ttlSeconds = 60) {
  const changed: PresenceDto[] = [];
  const heartbeats: PresenceDto[] = [];
  const publisher = {
    changed: (s: PresenceDto) => changed.push(s),
    heartbeat: (s: PresenceDto) => heartbeats.push(s),
  } as unknown as PresencePublisher;
  const store = new FlakyStore();
  const timings = presenceTimings(ttlSeconds);
  const service = new PresenceService(store, timings, publisher);
  jest
    .spyOn((service as unknown as { logger: { warn: () => void; log: () => void } }).logger, 'warn')
    .mockImplementation(() => undefined);
  jest
    .spyOn((service as unknown as { logger: { warn: () => void; log: () => void } }).logger, 'log')
    .mockImplementation(() => undefined);
  return { service, store, changed, heartbeats, publisher, timings };
}

const conn = (socketId: string, userId = 'alice') => ({ socketId, userId, userAgent: 'jest', ip: '127.0.0.1' });
const viewer = (userId: string, roles: string[] = []): Principal => ({ userId, roles, expiresAt: undefined });

describe('PresenceService', () => {
  it('keeps a user with several sockets online until the last one goes', async () => {
    const { service, changed } = setup();
    for (const id of ['t1', 't2', 't3']) await service.connected(conn(id));
    expect(changed.map((s) => [s.isOnline, s.sockets.length])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
    ]);
    await service.disconnected('t2');
    await service.disconnected('t1');
    expect(changed.slice(3).map((s) => [s.isOnline, s.sockets.map((x) => x.socketId)])).toEqual([
      [true, ['t1', 't3']],
      [true, ['t3']],
    ]);
    await service.disconnected('t3');
    const last = changed[changed.length - 1];
    expect(last).toEqual({ userId: 'alice', isOnline: false, lastSeen: expect.any(Number), sockets: [] });
    expect(changed).toHaveLength(6);
  });

  it('sends heartbeats to the user only, with a refreshed lastSeen', async () => {
    const { service, changed, heartbeats } = setup();
    await service.connected(conn('t1'));
    const before = changed[0].sockets[0].lastSeen!;
    await new Promise((r) => setTimeout(r, 5));
    expect(await service.heartbeat('t1')).toBe(true);
    expect(changed).toHaveLength(1);
    expect(heartbeats).toHaveLength(1);
    expect(heartbeats[0].sockets[0].lastSeen).toBeGreaterThan(before);
    expect(heartbeats[0].sockets[0].connectedAt).toBe(changed[0].sockets[0].connectedAt);
  });

  it('fails soft while the store is down and re-announces once it is back', async () => {
    const { service, store, changed } = setup();
    store.down = true;
    await expect(service.connected(conn('t1'))).resolves.toBeUndefined();
    expect(await service.heartbeat('t1')).toBe(false);
    expect(changed).toHaveLength(0);
    await expect(service.snapshots(['alice'], viewer('bob'))).rejects.toMatchObject({ code: 'unavailable' });
    await expect(service.sweep()).rejects.toThrow();

    store.down = false;
    await service.keepAlive();
    expect(changed).toEqual([expect.objectContaining({ userId: 'alice', isOnline: true })]);
    expect(changed[0].sockets.map((s) => s.socketId)).toEqual(['t1']);
  });

  it('a disconnect during an outage leaves an entry the sweep removes after the TTL', async () => {
    const { service, store, changed } = setup(1);
    await service.connected(conn('t1'));
    store.down = true;
    await service.disconnected('t1');
    store.down = false;
    expect((await service.sweep()).removed).toBe(0); // not stale yet
    await new Promise((r) => setTimeout(r, 1100));
    expect(await service.sweep()).toEqual({ removed: 1, users: 1 });
    expect(changed[changed.length - 1]).toMatchObject({ userId: 'alice', isOnline: false, sockets: [] });
  });

  it('removes again what a keep-alive re-created for a socket that closed meanwhile', async () => {
    const { service, store } = setup();
    await service.connected(conn('t1'));
    await store.inner.remove('alice', 't1', Date.now()); // as a sweep during a stall would
    const refresh = store.refresh;
    store.refresh = async (entries) => {
      const result = await refresh(entries);
      await service.disconnected('t1'); // closes while the refresh is in flight
      return result;
    };
    await service.keepAlive();
    expect((await store.inner.get(['alice']))[0].sockets).toEqual([]);
  });

  it('shows sockets to the user and admins only; anyone else gets online state and last seen', async () => {
    const { service } = setup();
    await service.connected(conn('t1'));
    const [own] = await service.snapshots(['alice'], viewer('alice'));
    expect(own).toMatchObject({ userId: 'alice', isOnline: true, sockets: [expect.objectContaining({ socketId: 't1', ip: '127.0.0.1' })] });
    expect(await service.snapshots(['alice'], viewer('ops', ['admin']))).toEqual([own]);
    expect(await service.snapshots(['alice'], viewer('bob'))).toEqual([{ userId: 'alice', isOnline: true, lastSeen: own.lastSeen }]);
    expect(await service.snapshots(['nobody', 'nobody'], viewer('bob'))).toEqual([{ userId: 'nobody', isOnline: false, lastSeen: null }]);
    expect(await service.snapshots(['nobody'], viewer('nobody'))).toEqual([{ userId: 'nobody', isOnline: false, lastSeen: null, sockets: [] }]);
  });

  it('throws a DomainError, not a raw store error, for HTTP reads', async () => {
    const { service, store } = setup();
    store.down = true;
    await expect(service.snapshots(['alice'], viewer('alice'))).rejects.toBeInstanceOf(DomainError);
  });
});
