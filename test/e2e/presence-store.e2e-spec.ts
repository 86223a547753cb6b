/**
 * The Redis presence store's scripts against a real Redis: two store objects on one key
 * prefix stand for two instances of a deployment.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { PresenceRedisStore } from '../../src/modules/presence/presence-redis.store';
import type { StoredSocket } from '../../src/modules/presence/presence.store';
import { presenceTimings } from '../../src/modules/presence/presence.timing';
import { testRedisUrl } from '../support/redis';

const timings = presenceTimings(60);
const entry = (userId: string, socketId: string, lastSeen: number, connectedAt = lastSeen): StoredSocket => ({
  socketId,
  userId,
  connectedAt,
  lastSeen,
  userAgent: 'jest',
  ip: '127.0.0.1',
});

describe('PresenceRedisStore (real Redis)', () => {
  const connections: Redis[] = [];
  let prefix: string;
  let one: PresenceRedisStore;
  let two: PresenceRedisStore;
  let raw: Redis;
  const key = (...parts: string[]) => [prefix, ...parts].join(':');

  beforeEach(() => {
    prefix = `presence-store-${randomBytes(4).toString('hex')}`;
    const [c1, c2, c3] = [new Redis(testRedisUrl()), new Redis(testRedisUrl()), new Redis(testRedisUrl())];
    connections.push(c1, c2, c3);
    one = new PresenceRedisStore(c1, key, timings);
    two = new PresenceRedisStore(c2, key, timings);
    raw = c3;
  });
  afterAll(() => connections.forEach((c) => c.disconnect()));

  it('shares one user’s sockets between instances; the version grows with every change, whoever makes it', async () => {
    const a = await one.upsert(entry('alice', 'sa', 1000));
    const b = await two.upsert(entry('alice', 'sb', 1001));
    expect([a.created, b.created]).toEqual([true, true]);
    expect(b.user.sockets.map((s) => s.socketId).sort()).toEqual(['sa', 'sb']);
    expect(b.user.version).toBeGreaterThan(a.user.version);

    const beat = await one.upsert(entry('alice', 'sa', 1500, 1000));
    expect(beat.created).toBe(false);
    expect(beat.user.sockets.find((s) => s.socketId === 'sa')).toMatchObject({ connectedAt: 1000, lastSeen: 1500 });
    expect(beat.user.version).toBeGreaterThan(b.user.version);

    const gone = await two.remove('alice', 'sb', 2000);
    expect(gone.removed).toBe(true);
    expect(gone.user.sockets.map((s) => s.socketId)).toEqual(['sa']);
    expect(gone.user.version).toBeGreaterThan(beat.user.version);
    const again = await two.remove('alice', 'sb', 2100);
    expect(again.removed).toBe(false);
    expect(again.user.version).toBe(gone.user.version); // no socket changed, nothing to announce

    const last = await one.remove('alice', 'sa', 1900); // an earlier time never lowers the mark
    expect(last.user).toMatchObject({ sockets: [], lastSeen: 2100 });
    const [read] = await two.get(['alice']);
    expect(read).toEqual({ userId: 'alice', sockets: [], lastSeen: 2100, version: last.user.version });
  });

  it('keep-alive reports and announces only the entries it had to re-create', async () => {
    await one.upsert(entry('bob', 's1', 1000));
    const before = (await one.get(['bob']))[0].version;
    expect(await one.refresh([entry('bob', 's1', 1100)])).toEqual([]);
    expect((await one.get(['bob']))[0].version).toBe(before);

    await raw.del(key('presence', 'sockets', 'bob')); // lost, e.g. swept during a stall
    const recreated = await one.refresh([entry('bob', 's1', 1200), entry('carol', 's2', 1200)]);
    expect(recreated.map((e) => e.socketId).sort()).toEqual(['s1', 's2']);
    const [bob] = await two.get(['bob']);
    expect(bob.sockets).toEqual([expect.objectContaining({ socketId: 's1', lastSeen: 1200 })]);
    expect(bob.version).toBeGreaterThan(before);
  });

  it('sweeps only entries last seen before the cutoff, within the limit, each user once', async () => {
    await one.upsert(entry('dave', 'old1', 100));
    await one.upsert(entry('dave', 'old2', 200));
    await two.upsert(entry('dave', 'fresh', 5000));
    await two.upsert(entry('erin', 'old3', 300));
    const before = (await one.get(['dave']))[0].version;

    const first = await one.sweep(1000, 2);
    expect(first.removed).toBe(2);
    const second = await two.sweep(1000, 10);
    expect(first.removed + second.removed).toBe(3);
    expect([...first.userIds, ...second.userIds].sort()).toEqual(['dave', 'erin']);
    expect(new Set(first.userIds).size).toBe(first.userIds.length);
    expect(await one.sweep(1000, 10)).toEqual({ removed: 0, userIds: [] });

    const [dave, erin] = await one.get(['dave', 'erin']);
    expect(dave.sockets.map((s) => s.socketId)).toEqual(['fresh']);
    expect(dave.version).toBeGreaterThan(before);
    expect(erin).toMatchObject({ sockets: [], lastSeen: 300 }); // its last entry's time becomes the mark
  });

  it('keeps versions increasing after Redis lost its data, and works after its script cache was flushed', async () => {
    const before = (await one.upsert(entry('frank', 's1', 1000))).user.version;
    await raw.del(key('presence', 'version'));
    await raw.script('FLUSH');
    const after = (await two.upsert(entry('frank', 's2', 1001))).user.version;
    expect(after).toBeGreaterThan(before);
    expect(Number.isSafeInteger(after)).toBe(true);
  });

  it('lets a deployment’s keys expire when no instance writes any more', async () => {
    await one.upsert(entry('gina', 's1', 1000));
    const ttl = await raw.pttl(key('presence', 'sockets', 'gina'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(timings.keyTtlMs);
    expect(await raw.pttl(key('presence', 'expiry'))).toBeGreaterThan(0);
    await one.remove('gina', 's1', 2000);
    const seenTtl = await raw.pttl(key('presence', 'seen', 'gina'));
    expect(seenTtl).toBeGreaterThan(timings.keyTtlMs);
    expect(seenTtl).toBeLessThanOrEqual(timings.lastSeenRetentionMs);
  });
});
