/**
 * Counts events over the last `windowSeconds` seconds as a true sliding window: a ring of
 * one-second buckets, each stamped with the second it counts, so a bucket left over from a
 * previous lap of the ring is recognised as stale and never counted. O(window) to read,
 * O(1) to record, fixed memory.
 */
export class SlidingWindowCounter {
  private readonly counts: number[];
  private readonly seconds: number[];

  constructor(
    private readonly windowSeconds = 60,
    private readonly now: () => number = Date.now,
  ) {
    this.counts = new Array<number>(windowSeconds).fill(0);
    this.seconds = new Array<number>(windowSeconds).fill(-1);
  }

  record(count = 1): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % this.windowSeconds;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot] += count;
  }

  /** Events recorded in the last `windowSeconds` seconds, the current partial second included. */
  total(): number {
    const current = Math.floor(this.now() / 1000);
    let sum = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      if (this.seconds[i] > current - this.windowSeconds) sum += this.counts[i];
    }
    return sum;
  }
}
