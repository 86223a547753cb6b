/** Heartbeats a socket may send back to back before the per-minute rate applies. */
const HEARTBEAT_BURST = 2;

interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * Per-socket token bucket for `presence:heartbeat`. Each heartbeat is a store write and,
 * with Redis, a publish to every instance: a client must not be able to turn a loop into
 * load. `perMinute` is the sustained rate, with a burst of two (a tab coming back to the
 * foreground may send one at once). Buckets live as long as their socket (WeakMap).
 */
export class PresenceHeartbeatLimiter {
  private readonly buckets = new WeakMap<object, Bucket>();
  private readonly msPerToken: number;

  constructor(
    perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.msPerToken = 60_000 / perMinute;
  }

  /** 0 when the heartbeat may go through; otherwise how long until the next one would. */
  take(socket: object): number {
    const now = this.now();
    const bucket = this.buckets.get(socket) ?? { tokens: HEARTBEAT_BURST, refilledAt: now };
    bucket.tokens = Math.min(HEARTBEAT_BURST, bucket.tokens + (now - bucket.refilledAt) / this.msPerToken);
    bucket.refilledAt = now;
    this.buckets.set(socket, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) * this.msPerToken);
  }
}
