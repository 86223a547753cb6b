/**
 * PresenceRedisStore (presence's repository) against a real Redis: two store objects on one
 * key prefix stand for two instances of a deployment.
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

  it('reads users in the order asked, unknown ones empty, and skips entries it cannot read', async () => {
    await one.upsert(entry('hana', 's1', 1000));
    await raw.hset(key('presence', 'sockets', 'hana'), 'broken', '{not json', 'partial', JSON.stringify({ socketId: 'partial', userId: 'hana' }));
    const [nobody, hana] = await two.get(['nobody', 'hana']);
    expect(nobody).toEqual({ userId: 'nobody', sockets: [], lastSeen: null, version: hana.version });
    expect(hana.sockets).toEqual([entry('hana', 's1', 1000)]);
    expect(await two.get([])).toEqual([]);
  });

  it('keeps many sockets alive in batches, in one call, re-creating only the missing ones', async () => {
    const many = Array.from({ length: 1_203 }, (_, i) => entry(`user-${i % 7}`, `bulk-${i}`, 10_000 + i));
    const created = await one.refresh(many);
    expect(created).toHaveLength(many.length);
    expect(await raw.zcard(key('presence', 'expiry'))).toBe(many.length);
    const users = await two.get(['user-0', 'user-6']);
    expect(users.map((u) => u.sockets.length)).toEqual([172, 171]);

    await raw.hdel(key('presence', 'sockets', 'user-3'), 'bulk-3', 'bulk-1200');
    const again = await one.refresh(many.map((e) => ({ ...e, lastSeen: e.lastSeen + 1 })));
    expect(again.map((e) => e.socketId).sort()).toEqual(['bulk-1200', 'bulk-3']);
    const [score] = await raw.zmscore(key('presence', 'expiry'), 'bulk-0|user-0');
    expect(Number(score)).toBe(10_001); // the index moved with the keep-alive
  });

  it('gives every change a distinct version when instances write at once', async () => {
    const writes = Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).upsert(entry(`iris-${i % 4}`, `s${i}`, 1000 + i)));
    const versions = (await Promise.all(writes)).map((r) => r.user.version);
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('keeps deployments on different key prefixes apart', async () => {
    const otherPrefix = `presence-store-${randomBytes(4).toString('hex')}`;
    const otherConnection = new Redis(testRedisUrl());
    connections.push(otherConnection);
    const other = new PresenceRedisStore(otherConnection, (...parts) => [otherPrefix, ...parts].join(':'), timings);
    await one.upsert(entry('jack', 's1', 1000));
    expect((await other.get(['jack']))[0].sockets).toEqual([]);
    expect(await other.sweep(Number.MAX_SAFE_INTEGER, 100)).toEqual({ removed: 0, userIds: [] });
    expect((await one.get(['jack']))[0].sockets).toHaveLength(1);
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
