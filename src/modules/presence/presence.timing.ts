/**
 * Presence timings, all derived from PRESENCE_TTL_SECONDS so operators tune one number.
 *
 * - keep-alive: each instance re-vouches for its own open sockets three times per TTL,
 *   so one late or failed renewal never lets a live socket look gone;
 * - sweep: the job removing entries nobody vouched for within the TTL (a crashed
 *   instance's) runs every TTL/2, at most every 15 s and at least every 0.5 s, so a dead
 *   socket disappears within TTL + one sweep (≤ 1.5 × TTL, and ≤ TTL + 15 s);
 * - Redis keys expire after 3 × TTL (at least 60 s) without writes: a deployment whose
 *   instances all died leaves nothing behind, yet the sweep always sees entries first.
 */
export interface PresenceTimings {
  ttlMs: number;
  keepAliveMs: number;
  sweepIntervalMs: number;
  keyTtlMs: number;
  /** How long a user's last-seen mark is kept after their last socket went. */
  lastSeenRetentionMs: number;
  /** Entries removed per sweep batch (a sweep runs batches until none are left). */
  sweepBatch: number;
}

const MAX_SWEEP_INTERVAL_MS = 15_000;
const MIN_SWEEP_INTERVAL_MS = 500;
const MIN_KEEP_ALIVE_MS = 250;
const MIN_KEY_TTL_MS = 60_000;
const LAST_SEEN_RETENTION_MS = 30 * 24 * 3600_000;

export function presenceTimings(ttlSeconds: number): PresenceTimings {
  const ttlMs = ttlSeconds * 1000;
  return {
    ttlMs,
    keepAliveMs: Math.max(MIN_KEEP_ALIVE_MS, Math.floor(ttlMs / 3)),
    sweepIntervalMs: Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(Math.floor(ttlMs / 2), MAX_SWEEP_INTERVAL_MS)),
    keyTtlMs: Math.max(MIN_KEY_TTL_MS, 3 * ttlMs),
    lastSeenRetentionMs: LAST_SEEN_RETENTION_MS,
    sweepBatch: 500,
  };
}

export const PRESENCE_TIMINGS = Symbol('PRESENCE_TIMINGS');
