import { PresenceHeartbeatLimiter } from './presence-heartbeat.limiter';

describe('PresenceHeartbeatLimiter', () => {
  it('lets a burst of two through, then one per 60/perMinute seconds, per socket', () => {
    let now = 0;
    const limiter = new PresenceHeartbeatLimiter(12, () => now); // one per 5 s
    const a = {};
    const b = {};
    expect([limiter.take(a), limiter.take(a)]).toEqual([0, 0]);
    expect(limiter.take(a)).toBe(5000);
    expect(limiter.take(b)).toBe(0); // another socket has its own bucket
    now = 2000;
    expect(limiter.take(a)).toBe(3000);
    now = 5000;
    expect(limiter.take(a)).toBe(0);
    expect(limiter.take(a)).toBe(5000);
    now = 60_000;
    expect([limiter.take(a), limiter.take(a), limiter.take(a)]).toEqual([0, 0, 5000]); // never more than the burst saved up
  });
});
