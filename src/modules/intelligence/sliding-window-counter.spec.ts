import { SlidingWindowCounter } from './sliding-window-counter';

describe('SlidingWindowCounter', () => {
  let now: number;
  const counter = () => new SlidingWindowCounter(60, () => now);

  beforeEach(() => {
    now = 1_700_000_000_000;
  });

  it('counts everything recorded within the last 60 seconds', () => {
    const c = counter();
    c.record();
    now += 30_000;
    c.record(2);
    now += 29_000;
    expect(c.total()).toBe(3);
  });

  it('forgets each second as it slides out of the window, not in whole minutes', () => {
    const c = counter();
    c.record(5); // second s
    now += 10_000;
    c.record(7); // second s+10
    now += 50_000; // s+60: the first bucket is now exactly 60 s old
    expect(c.total()).toBe(7);
    now += 10_000; // s+70
    expect(c.total()).toBe(0);
  });

  it('does not count a bucket left over from a previous lap of the ring', () => {
    const c = counter();
    c.record(4);
    now += 120_000; // same slot two laps later
    expect(c.total()).toBe(0);
    c.record(1);
    expect(c.total()).toBe(1);
  });
});
