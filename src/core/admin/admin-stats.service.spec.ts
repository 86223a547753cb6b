import { latencyQuantiles } from './admin-stats.service';

const buckets = (entries: Array<[number, number]>) => new Map(entries);

describe('latencyQuantiles', () => {
  it('is null when nothing was observed between the two snapshots', () => {
    const same = buckets([[0.001, 4], [0.01, 9], [Infinity, 9]]);
    expect(latencyQuantiles(same, same)).toBeNull();
  });

  it('interpolates inside the bucket holding the quantile, over the difference only', () => {
    const before = buckets([[0.001, 100], [0.01, 100], [0.1, 100], [Infinity, 100]]);
    // 10 new observations: 5 in (0, 1 ms], 4 in (1, 10 ms], 1 in (10, 100 ms]
    const after = buckets([[0.001, 105], [0.01, 109], [0.1, 110], [Infinity, 110]]);
    const q = latencyQuantiles(before, after)!;
    expect(q.samples).toBe(10);
    expect(q.p50).toBe(1); // rank 5 is the last of the first bucket: its upper bound
    expect(q.p99).toBeGreaterThan(10);
    expect(q.p99).toBeLessThanOrEqual(100);
  });

  it('reports the largest finite bound when the quantile falls in the +Inf bucket', () => {
    const q = latencyQuantiles(new Map(), buckets([[0.5, 0], [1, 0], [Infinity, 3]]))!;
    expect(q.p50).toBe(1000);
    expect(q.p99).toBe(1000);
  });
});
