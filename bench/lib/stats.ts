/** Small, dependency-free statistics for the bench (nearest-rank percentiles, medians). */

/** Nearest-rank percentile of unsorted samples; undefined for no samples. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (!samples.length) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return percentileSorted(sorted, p);
}

export function percentileSorted(sorted: readonly number[], p: number): number | undefined {
  if (!sorted.length) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Median of the defined values (mean of the middle two for an even count). */
export function median(values: ReadonlyArray<number | undefined | null>): number | undefined {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (!xs.length) return undefined;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export interface LatencySummary {
  count: number;
  p50?: number;
  p99?: number;
  max?: number;
  mean?: number;
}

export function summarize(samples: readonly number[]): LatencySummary {
  if (!samples.length) return { count: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    count: sorted.length,
    p50: percentileSorted(sorted, 50),
    p99: percentileSorted(sorted, 99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  };
}

/**
 * A value of `monitorEventLoopDelay`'s histogram as the delay it stands for, in ms. The
 * histogram records the whole time between two firings of its timer, interval included (an
 * idle loop sampling every 10 ms reads ~10.1 ms at every percentile), so the interval is
 * taken off; never below zero (a timer may fire a little early).
 */
export function loopDelayMs(recordedNs: number, intervalMs: number): number {
  return Math.max(0, recordedNs / 1e6 - intervalMs);
}

/** B/A, undefined when either side is missing or A is zero. */
export function ratio(b: number | undefined, a: number | undefined): number | undefined {
  if (b === undefined || a === undefined || a === 0) return undefined;
  return b / a;
}

/**
 * A bounded sample store: keeps every sample up to `capacity`, then a uniform reservoir,
 * so a long window cannot grow a probe's memory without bound.
 */
export class Reservoir {
  private readonly samples: number[] = [];
  private seen = 0;

  constructor(private readonly capacity = 200_000) {}

  add(x: number): void {
    this.seen++;
    if (this.samples.length < this.capacity) this.samples.push(x);
    else {
      const j = Math.floor(Math.random() * this.seen);
      if (j < this.capacity) this.samples[j] = x;
    }
  }

  get count(): number {
    return this.seen;
  }

  values(): readonly number[] {
    return this.samples;
  }

  clear(): void {
    this.samples.length = 0;
    this.seen = 0;
  }
}
