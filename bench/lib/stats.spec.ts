import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loopDelayMs, median, percentile, ratio, Reservoir, summarize } from './stats';

describe('bench stats', () => {
  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('takes medians of odd and even counts, ignoring missing values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([undefined, 5, null, Number.NaN])).toBe(5);
    expect(median([])).toBeUndefined();
  });

  it('summarises latencies', () => {
    expect(summarize([2, 4, 6, 8])).toEqual({ count: 4, p50: 4, p99: 8, max: 8, mean: 5 });
    expect(summarize([])).toEqual({ count: 0 });
  });

  it('gives B/A only when both sides exist', () => {
    expect(ratio(90, 100)).toBeCloseTo(0.9);
    expect(ratio(undefined, 100)).toBeUndefined();
    expect(ratio(1, 0)).toBeUndefined();
  });

  it('bounds the samples it keeps but counts all', () => {
    const r = new Reservoir(10);
    for (let i = 0; i < 1000; i++) r.add(i);
    expect(r.count).toBe(1000);
    expect(r.values()).toHaveLength(10);
    r.clear();
    expect(r.count).toBe(0);
  });

  it('reads the event-loop delay histogram as delay beyond its sampling interval', async () => {
    // The premise: Node records the time between two firings of the histogram's timer,
    // interval included, so even an idle loop never reads much under the interval.
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    await new Promise((resolve) => setTimeout(resolve, 120));
    h.disable();
    expect(h.count).toBeGreaterThan(0);
    expect(h.min / 1e6).toBeGreaterThanOrEqual(8);
    expect(loopDelayMs(10.4e6, 10)).toBeCloseTo(0.4);
    expect(loopDelayMs(24e6, 10)).toBeCloseTo(14);
    expect(loopDelayMs(9.2e6, 10)).toBe(0);
  });
});
