import { toPresenceDto, toPresenceStatusDto } from './presence.dto';
import type { StoredSocket } from './presence.store';
import { presenceTimings } from './presence.timing';

const socket = (socketId: string, connectedAt: number, lastSeen: number): StoredSocket => ({
  socketId,
  userId: 'alice',
  connectedAt,
  lastSeen,
  userAgent: 'ua',
  ip: '10.0.0.1',
});

describe('toPresenceDto', () => {
  it('lists live sockets oldest first and reports the latest lastSeen', () => {
    const snap = toPresenceDto({ userId: 'alice', sockets: [socket('b', 200, 900), socket('a', 100, 950)], lastSeen: 50 }, 500);
    expect(snap).toEqual({
      userId: 'alice',
      isOnline: true,
      lastSeen: 950,
      sockets: [
        { socketId: 'a', connectedAt: 100, lastSeen: 950, userAgent: 'ua', ip: '10.0.0.1' },
        { socketId: 'b', connectedAt: 200, lastSeen: 900, userAgent: 'ua', ip: '10.0.0.1' },
      ],
    });
  });

  it('does not count entries nobody vouched for within the TTL as online', () => {
    const snap = toPresenceDto({ userId: 'alice', sockets: [socket('a', 100, 400)], lastSeen: 300 }, 500);
    expect(snap).toEqual({ userId: 'alice', isOnline: false, lastSeen: 400, sockets: [] });
  });

  it('uses the last-seen mark once every socket is gone, null if never seen', () => {
    expect(toPresenceDto({ userId: 'alice', sockets: [], lastSeen: 1234 }, 0)).toEqual({
      userId: 'alice',
      isOnline: false,
      lastSeen: 1234,
      sockets: [],
    });
    expect(toPresenceDto({ userId: 'bob', sockets: [], lastSeen: null }, 0)).toEqual({ userId: 'bob', isOnline: false, lastSeen: null, sockets: [] });
  });

  it('gives observers the online state and last seen only, no socket, user agent or address', () => {
    const snap = toPresenceDto({ userId: 'alice', sockets: [socket('a', 1, 2)], lastSeen: null }, 0);
    expect(toPresenceStatusDto(snap)).toEqual({ userId: 'alice', isOnline: true, lastSeen: 2 });
    expect(snap.sockets[0].ip).toBe('10.0.0.1');
  });
});

describe('presenceTimings', () => {
  it('derives keep-alive, sweep and key expiry from the TTL', () => {
    expect(presenceTimings(60)).toMatchObject({ ttlMs: 60_000, keepAliveMs: 20_000, sweepIntervalMs: 15_000, keyTtlMs: 180_000 });
    expect(presenceTimings(10)).toMatchObject({ keepAliveMs: 3333, sweepIntervalMs: 5000, keyTtlMs: 60_000 });
    expect(presenceTimings(1)).toMatchObject({ keepAliveMs: 333, sweepIntervalMs: 500 });
  });
});
