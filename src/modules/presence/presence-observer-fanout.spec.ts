import fc from 'fast-check';
import type { PresenceStatusDto } from './presence.dto';
import { PresenceObserverFanout } from './presence-observer-fanout';

const WINDOW = 250;
const status = (isOnline: boolean, lastSeen = 0, userId = 'alice'): PresenceStatusDto => ({ userId, isOnline, lastSeen });

function setup() {
  const shown: Array<PresenceStatusDto & { at: number }> = [];
  const fanout = new PresenceObserverFanout((s) => shown.push({ ...s, at: Date.now() }), WINDOW);
  return { fanout, shown };
}

describe('PresenceObserverFanout', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('shows the first change at once and repeats of the same state never', () => {
    const { fanout, shown } = setup();
    fanout.offer(status(true, 1));
    fanout.offer(status(true, 2));
    jest.advanceTimersByTime(WINDOW);
    fanout.offer(status(true, 3));
    jest.advanceTimersByTime(WINDOW);
    expect(shown.map((s) => [s.isOnline, s.lastSeen])).toEqual([[true, 1]]);
  });

  it('shows only the final state of flips within the window, and nothing when it is back where it was', () => {
    const { fanout, shown } = setup();
    fanout.offer(status(true));
    fanout.offer(status(false));
    fanout.offer(status(true));
    jest.advanceTimersByTime(WINDOW);
    expect(shown.map((s) => s.isOnline)).toEqual([true]);
    jest.advanceTimersByTime(10 * WINDOW);
    fanout.offer(status(false, 5));
    fanout.offer(status(true, 6));
    fanout.offer(status(false, 7));
    jest.advanceTimersByTime(WINDOW);
    expect(shown.map((s) => [s.isOnline, s.lastSeen])).toEqual([
      [true, 0],
      [false, 5],
    ]);
    jest.advanceTimersByTime(WINDOW);
    expect(shown.map((s) => [s.isOnline, s.lastSeen])).toEqual([
      [true, 0],
      [false, 5],
    ]); // the offline state was already shown; the online blip in between is not news
  });

  it('keeps users apart', () => {
    const { fanout, shown } = setup();
    fanout.offer(status(true, 0, 'a'));
    fanout.offer(status(true, 0, 'b'));
    expect(shown.map((s) => s.userId)).toEqual(['a', 'b']);
  });

  it('shows strictly alternating states, at most one per window, ending on the final state', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ online: fc.boolean(), gap: fc.integer({ min: 0, max: 600 }) }), { maxLength: 60 }), (steps) => {
        jest.setSystemTime(1_000_000);
        const { fanout, shown } = setup();
        for (const { online, gap } of steps) {
          jest.advanceTimersByTime(gap);
          fanout.offer(status(online));
        }
        jest.advanceTimersByTime(WINDOW);
        for (let i = 1; i < shown.length; i++) {
          expect(shown[i].isOnline).not.toBe(shown[i - 1].isOnline);
          expect(shown[i].at - shown[i - 1].at).toBeGreaterThanOrEqual(WINDOW);
        }
        if (steps.length) expect(shown[shown.length - 1].isOnline).toBe(steps[steps.length - 1].online);
        expect(fanout.pendingUsers).toBe(0);
        fanout.clear();
      }),
      { numRuns: 300 },
    );
  });
});
