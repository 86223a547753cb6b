/** What every bench event carries: its room, a per-room sequence number and the scheduled send time. */
export interface BenchPayload {
  room: string;
  seq: number;
  /** process.hrtime.bigint() of the scheduled send time, as a decimal string (one monotonic clock per host). */
  t: string;
  /** Filler so that frames have a realistic size. */
  pad: string;
}

export const BENCH_NS = '/ws/bench';
export const BENCH_EVENT = 'bench:event';
/** Sent to a socket once its rooms are joined (and any replay sent): the handshake is complete. */
export const BENCH_READY = 'bench:ready';

export function padding(bytes: number): string {
  return 'x'.repeat(Math.max(0, bytes));
}
