/**
 * The server side of the bench, shared by A (bare) and B (Herald): it publishes at a
 * commanded rate through a `PublishTarget` (bare emit, or a publisher that goes through
 * Herald's event log), and reports event-loop delay and memory over IPC.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { createHistogram, monitorEventLoopDelay, PerformanceObserver, type RecordableHistogram } from 'node:perf_hooks';
import { serve } from '../lib/ipc';
import { loopDelayMs } from '../lib/stats';
import { padding, type BenchPayload } from './payload';

export interface PublishTarget {
  /** Publishes one event to one room; resolves (or returns) its offset when known. */
  publish(room: string, payload: BenchPayload): Promise<string | undefined> | string | undefined;
}

export interface AgentOptions {
  target: PublishTarget;
  info: Record<string, unknown>;
  connections(): number;
  onExit?: () => Promise<void> | void;
}

export interface PublishCommand {
  rooms: string[];
  /** Publishes per second over all rooms (round robin). */
  rate: number;
  durationMs: number;
  payloadBytes?: number;
  /** Publishes still awaiting the event log beyond this are skipped (counted), not queued. */
  maxInFlight?: number;
}

export interface PublishReport {
  scheduled: number;
  published: number;
  skipped: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** Worst delay between a publish's scheduled time and the moment it was handed to the target. */
  lagMaxMs: number;
  /**
   * From each publish's scheduled time until the target had emitted it (its promise settled,
   * or at once for a target that emits synchronously): the server's share of the latency the
   * probes see, persistence included. Milliseconds; undefined when nothing was published.
   */
  emitMs?: { p50: number; p99: number; max: number };
  perRoom: Record<string, number>;
}

export interface ServerStats {
  eldP50Ms: number;
  eldP99Ms: number;
  eldMaxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  connections: number;
  /** Garbage-collection pauses since the last stats:reset (V8's 'gc' performance entries), ms. */
  gcMs: number;
}

/**
 * Sums V8's garbage-collection pauses (every kind: young-generation scavenges, full
 * collections, incremental steps) as Node reports them in 'gc' performance entries.
 */
/** The garbage collector's pauses (V8's `gc` performance entries), summed in ms since the last reset. */
export function gcPauses() {
  let ms = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) ms += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    reset: () => {
      observer.takeRecords();
      ms = 0;
    },
    /** Entries not yet delivered to the observer are taken too, so the sum is up to now. */
    total: () => {
      for (const entry of observer.takeRecords()) ms += entry.duration;
      return ms;
    },
  };
}

/**
 * With BENCH_PROFILE_DIR set, each measurement window (stats:reset … stats) is profiled
 * through the inspector and written there: start-up and teardown stay out of the profile.
 * BENCH_PROFILE_KIND=cpu (default) samples CPU time into window-<n>.cpuprofile; `alloc`
 * samples allocations into window-<n>.heapprofile, counting objects the collector has freed
 * by the window's end too, so it shows what drives garbage collection: bytes allocated, by
 * where; `retained` keeps only the samples still alive when the window ends: what outlived
 * young-generation collections (copied, then promoted), by where it was allocated.
 */
export function windowProfiler(dir: string | undefined, kind = 'cpu') {
  if (!dir) return { start: async () => undefined, stop: async () => undefined };
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));
  const alloc = kind === 'alloc' || kind === 'retained';
  /** 'retained': samples of objects collected before the window ends are dropped. */
  const includeCollected = kind === 'alloc';
  let running = false;
  let n = 0;
  return {
    async start() {
      if (running) return;
      if (alloc) {
        await post('HeapProfiler.enable');
        // One sample per ~8 KB allocated on average (V8 picks sample points at random).
        await post('HeapProfiler.startSampling', {
          samplingInterval: 8192,
          includeObjectsCollectedByMajorGC: includeCollected,
          includeObjectsCollectedByMinorGC: includeCollected,
        });
      } else {
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 200 });
        await post('Profiler.start');
      }
      running = true;
    },
    async stop() {
      if (!running) return;
      running = false;
      const { profile } = (await post(alloc ? 'HeapProfiler.stopSampling' : 'Profiler.stop')) as { profile: object };
      writeFileSync(join(dir, `window-${++n}.${alloc ? 'heapprofile' : 'cpuprofile'}`), JSON.stringify(profile));
    },
  };
}

/** How often the event-loop delay histogram samples (its timer's interval). */
const ELD_RESOLUTION_MS = 10;

function histogramMs(h: RecordableHistogram): { p50: number; p99: number; max: number } {
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

export function serveAgent(options: AgentOptions): void {
  const profiler = windowProfiler(process.env.BENCH_PROFILE_DIR, process.env.BENCH_PROFILE_KIND);
  const seqs = new Map<string, number>();
  const eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  eld.enable();
  const gcs = gcPauses();
  const gc = (globalThis as { gc?: () => void }).gc;

  const publish = (cmd: PublishCommand): Promise<PublishReport> =>
    new Promise((resolve) => {
      const pad = padding(cmd.payloadBytes ?? 64);
      const intervalNs = 1e9 / cmd.rate;
      const total = Math.max(1, Math.round((cmd.rate * cmd.durationMs) / 1000));
      const maxInFlight = cmd.maxInFlight ?? 20_000;
      const start = process.hrtime.bigint();
      const report: PublishReport = { scheduled: total, published: 0, skipped: 0, errors: 0, elapsedMs: 0, lagMaxMs: 0, perRoom: {} };
      const emitted = createHistogram();
      let i = 0;
      let inFlight = 0;
      let handedOut = false;
      const finish = () => {
        if (!handedOut || inFlight !== 0) return;
        if (emitted.count) report.emitMs = histogramMs(emitted);
        resolve(report);
      };
      const settle = (room: string, due: bigint) => {
        report.published++;
        report.perRoom[room] = (report.perRoom[room] ?? 0) + 1;
        emitted.record(Math.max(1, Number(process.hrtime.bigint() - due)));
      };
      const tick = () => {
        const now = process.hrtime.bigint();
        while (i < total) {
          const due = start + BigInt(Math.round(i * intervalNs));
          if (due > now) break;
          i++;
          if (inFlight >= maxInFlight) {
            report.skipped++;
            continue;
          }
          const room = cmd.rooms[(i - 1) % cmd.rooms.length];
          const seq = (seqs.get(room) ?? 0) + 1;
          seqs.set(room, seq);
          const lag = Number(now - due) / 1e6;
          if (lag > report.lagMaxMs) report.lagMaxMs = lag;
          let result: ReturnType<PublishTarget['publish']>;
          try {
            result = options.target.publish(room, { room, seq, t: due.toString(), pad });
          } catch (err) {
            report.errors++;
            report.firstError ??= String(err);
            continue;
          }
          if (result instanceof Promise) {
            inFlight++;
            result.then(
              () => {
                inFlight--;
                settle(room, due);
                finish();
              },
              (err: unknown) => {
                inFlight--;
                report.errors++;
                report.firstError ??= String(err);
                finish();
              },
            );
          } else settle(room, due);
        }
        if (i < total) {
          const next = start + BigInt(Math.round(i * intervalNs));
          setTimeout(tick, Math.max(0, Number(next - process.hrtime.bigint()) / 1e6));
          return;
        }
        report.elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
        handedOut = true;
        finish();
      };
      tick();
    });

  /** Publishes `count` events to one room as fast as the target takes them (replay setup). */
  const burst = async (cmd: { room: string; count: number; payloadBytes?: number }) => {
    const pad = padding(cmd.payloadBytes ?? 64);
    const pending: Array<Promise<string | undefined>> = [];
    for (let k = 0; k < cmd.count; k++) {
      const seq = (seqs.get(cmd.room) ?? 0) + 1;
      seqs.set(cmd.room, seq);
      pending.push(Promise.resolve(options.target.publish(cmd.room, { room: cmd.room, seq, t: process.hrtime.bigint().toString(), pad })));
    }
    const offsets = await Promise.all(pending);
    return { firstOffset: offsets[0], lastOffset: offsets[offsets.length - 1], lastSeq: seqs.get(cmd.room) };
  };

  const stats = async (args: { gc?: boolean }): Promise<ServerStats> => {
    await profiler.stop();
    // Before any forced collection below: those are the bench's, not the window's.
    const gcMs = gcs.total();
    if (args.gc && gc) {
      gc();
      gc();
    }
    const mem = process.memoryUsage();
    return {
      eldP50Ms: loopDelayMs(eld.percentile(50), ELD_RESOLUTION_MS),
      eldP99Ms: loopDelayMs(eld.percentile(99), ELD_RESOLUTION_MS),
      eldMaxMs: loopDelayMs(eld.max, ELD_RESOLUTION_MS),
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      connections: options.connections(),
      gcMs,
    };
  };

  serve(
    {
      publish,
      burst,
      'stats:reset': async () => {
        eld.reset();
        gcs.reset();
        await profiler.start();
      },
      stats,
    },
    { ...options.info, pid: process.pid },
    options.onExit,
  );
}
