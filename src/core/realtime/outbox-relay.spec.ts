import { RELAY_GRACE_MS, RELAY_MAX_INTERVAL_MS, RELAY_MIN_INTERVAL_MS, RelaySchedule } from './outbox-relay';

describe('RelaySchedule', () => {
  it('doubles the wait after each pass that finds nothing, up to the maximum', () => {
    const schedule = new RelaySchedule();
    const waits = Array.from({ length: 6 }, () => schedule.afterPass(0, 0));
    expect(waits).toEqual([500, 1000, 2000, 2000, 2000, 2000]);
    expect(Math.max(...waits)).toBe(RELAY_MAX_INTERVAL_MS);
  });

  it('goes back to the minimum after a pass that relayed something', () => {
    const schedule = new RelaySchedule();
    for (let i = 0; i < 5; i++) schedule.afterPass(0, 0);
    expect(schedule.afterPass(3, 0)).toBe(RELAY_MIN_INTERVAL_MS);
    expect(schedule.afterPass(0, 0)).toBe(2 * RELAY_MIN_INTERVAL_MS);
  });

  it('after a nudge, stays at the minimum until the unclaimed events are past the grace period', () => {
    const schedule = new RelaySchedule();
    for (let i = 0; i < 5; i++) schedule.afterPass(0, 0);
    const nudgedAt = 10_000;
    schedule.nudge(nudgedAt);
    // Passes that still find the events too young keep the short wait…
    for (let t = nudgedAt; t < nudgedAt + RELAY_GRACE_MS + RELAY_MIN_INTERVAL_MS; t += RELAY_MIN_INTERVAL_MS) {
      expect(schedule.afterPass(0, t)).toBe(RELAY_MIN_INTERVAL_MS);
    }
    // …and once they would have been relayed, an empty pass backs off again.
    expect(schedule.afterPass(0, nudgedAt + RELAY_GRACE_MS + 3 * RELAY_MIN_INTERVAL_MS)).toBe(2 * RELAY_MIN_INTERVAL_MS);
  });
});
