/**
 * P9: batch publish. Closed loop: several keep-alive connections each POST 500-item
 * batches one after another for a fixed window. Persisted events/s = items the server
 * reports `created`, per second; the rows counted in PostgreSQL afterwards must match.
 * B runs `POST /api/intelligence/updates/batch` and then `POST /api/notifications/batch`
 * (one recipient per item, so one notification per item); A runs a bare `node:http` batch
 * route (one multi-row INSERT per batch, then an emit per item) in both windows.
 */
import type { BatchReport } from '../load/http-publisher';
import type { ScenarioRun, WindowFigures } from './context';
import { BATCH_ROUTES, type BatchRouteName } from './routes';
import { fmt, type FigureDef, type Medians, type Scenario, type Verdict } from './types';

export const P9_ITEMS_PER_BATCH = 500;
export const P9_BAR_EVENTS_PER_SEC = 20_000;
const CONNECTIONS = 4;
const WINDOW_MS_FULL = 6000;
const WINDOW_MS_QUICK = 3000;
const PAYLOAD_BYTES = 64;

/** The two measurement windows: which route each system takes and the table its rows land in. */
const WINDOWS: Array<{ prefix: 'intel' | 'notif'; label: string; B: BatchRouteName; rooms: number; table: Record<'A' | 'B', string> }> = [
  { prefix: 'intel', label: 'intelligence', B: 'intelligence', rooms: 10, table: { A: 'bench_events', B: 'intelligence_items' } },
  { prefix: 'notif', label: 'notifications', B: 'notifications', rooms: 100, table: { A: 'bench_events', B: 'notifications' } },
];

const perWindow = (prefix: string, label: string): FigureDef[] => [
  { key: `${prefix}EventsPerSec`, label: `${label}: persisted events/s`, unit: '/s', better: 'higher' },
  { key: `${prefix}BatchP50Ms`, label: `${label}: batch latency p50`, unit: 'ms', better: 'lower', digits: 1 },
  { key: `${prefix}BatchP99Ms`, label: `${label}: batch latency p99`, unit: 'ms', better: 'lower', digits: 1 },
  { key: `${prefix}CpuPct`, label: `${label}: server CPU`, unit: '%', better: 'lower' },
  { key: `${prefix}DbCpuPct`, label: `${label}: PostgreSQL CPU`, unit: '%', better: 'lower' },
  { key: `${prefix}CpuUsPerEvent`, label: `${label}: server CPU per event`, unit: 'µs', better: 'lower', digits: 1 },
  // Of that CPU, the garbage collector's pauses: what allocation per event costs (see --alloc-profile).
  { key: `${prefix}GcUsPerEvent`, label: `${label}: server GC pauses per event`, unit: 'µs', better: 'lower', digits: 1 },
  // Steadier than events/s on a host whose speed wanders: compare changes to the statements by this.
  { key: `${prefix}DbCpuUsPerEvent`, label: `${label}: PostgreSQL CPU per event`, unit: 'µs', better: 'lower', digits: 1 },
  // PostgreSQL shares the load core with the load generator: what the generator takes of it, per event.
  { key: `${prefix}LoadCpuUsPerEvent`, label: `${label}: load generator CPU per event`, unit: 'µs', better: 'lower', digits: 1 },
  { key: `${prefix}LoadCoreBusyPct`, label: `${label}: load core busy`, unit: '%', better: 'lower' },
];

export function judgeP9(b: Medians): Verdict {
  const parts: string[] = [];
  let met: boolean | undefined = true;
  let missing = false;
  for (const w of WINDOWS) {
    if (b[`${w.prefix}RouteMissing`]) {
      parts.push(`${w.label}: route missing (404)`);
      met = false;
      missing = true;
      continue;
    }
    const rate = b[`${w.prefix}EventsPerSec`];
    if (rate === undefined) {
      parts.push(`${w.label}: no figure`);
      if (met) met = undefined;
      continue;
    }
    parts.push(`${w.label} ${fmt(rate)}/s`);
    if (rate < P9_BAR_EVENTS_PER_SEC) met = false;
  }
  return { met, detail: parts.join(', '), notTiming: missing };
}

/** One window's figures, keyed by its prefix (`intel…`, `notif…`). */
export function figuresOf(prefix: string, report: BatchReport, w: WindowFigures) {
  const seconds = report.elapsedMs / 1000;
  return {
    [`${prefix}EventsPerSec`]: report.routeMissing ? undefined : report.created / seconds,
    [`${prefix}BatchP50Ms`]: report.routeMissing ? undefined : report.batchMs.p50,
    [`${prefix}BatchP99Ms`]: report.routeMissing ? undefined : report.batchMs.p99,
    [`${prefix}CpuPct`]: w.serverCpuPct,
    [`${prefix}DbCpuPct`]: w.dbCpuPct,
    [`${prefix}CpuUsPerEvent`]: report.created ? ((w.serverCpuPct / 100) * w.wallMs * 1000) / report.created : undefined,
    [`${prefix}GcUsPerEvent`]: report.created ? ((w.serverGcPct / 100) * w.wallMs * 1000) / report.created : undefined,
    [`${prefix}DbCpuUsPerEvent`]: report.created && w.dbCpuPct !== undefined ? ((w.dbCpuPct / 100) * w.wallMs * 1000) / report.created : undefined,
    [`${prefix}LoadCpuUsPerEvent`]: report.created ? (report.cpuMs * 1000) / report.created : undefined,
    [`${prefix}LoadCoreBusyPct`]: w.loadCoreBusyPct,
    [`${prefix}RouteMissing`]: report.routeMissing ? 1 : 0,
  };
}

async function measure(run: ScenarioRun, route: BatchRouteName, rooms: number, table: string, durationMs: number) {
  const def = BATCH_ROUTES[route];
  const names = Array.from({ length: rooms }, (_, r) => def.room(r));
  if ('setup' in def) await run.setupRequests(def.setup(names));
  const http = await run.httpPublisher();
  const rowsBefore = await run.countRows(table);
  const { result, w } = await run.window(() =>
    run.batch(http, { route, rooms: names, itemsPerBatch: P9_ITEMS_PER_BATCH, connections: CONNECTIONS, durationMs, payloadBytes: PAYLOAD_BYTES }),
  );
  const persisted = (await run.countRows(table)) - rowsBefore;
  return { result, w, persisted };
}

export const P9: Scenario = {
  id: 'P9',
  title: 'batch publish, 500 items per request',
  bar: '≥ 20,000 persisted events/s',
  systems: {
    A: 'bare node:http batch route (one multi-row INSERT per batch, emit per item)',
    B: 'Herald, POST /api/intelligence/updates/batch and POST /api/notifications/batch',
  },
  figures: [
    ...WINDOWS.flatMap((w) => perWindow(w.prefix, w.label)),
    { key: 'failedBatches', label: 'failed batches', unit: '', better: 'lower' },
    { key: 'rejectedItems', label: 'rejected items', unit: '', better: 'lower' },
    { key: 'rssMb', label: 'RSS after GC', unit: 'MB', better: 'lower' },
  ],
  plot: { throughput: 'intelEventsPerSec', latency: 'intelBatchP99Ms' },
  headline: [
    { key: 'intelEventsPerSec', label: 'P9 persisted events/s, 500-item batches (intelligence)' },
    { key: 'notifEventsPerSec', label: 'P9 persisted events/s, 500-item batches (notifications)' },
  ],
  async run(run) {
    await run.startServers({ database: true });
    const durationMs = run.env.quick ? WINDOW_MS_QUICK : WINDOW_MS_FULL;
    const figures: Record<string, number | undefined> = {};
    const checks: Record<string, boolean> = {};
    const warnings: string[] = [];
    let failedBatches = 0;
    let rejectedItems = 0;
    for (const win of WINDOWS) {
      const route: BatchRouteName = run.system === 'B' ? win.B : 'bare';
      const { result, w, persisted } = await measure(run, route, win.rooms, win.table[run.system], durationMs);
      Object.assign(figures, figuresOf(win.prefix, result, w));
      failedBatches += result.routeMissing ? 0 : result.failedBatches;
      rejectedItems += result.rejected;
      if (result.routeMissing) {
        warnings.push(`${win.label}: route missing — POST ${BATCH_ROUTES[route].path} answered 404; nothing measured`);
        run.env.log(`    ${win.label}: route missing (POST ${BATCH_ROUTES[route].path} → 404)`);
        continue;
      }
      // What the server said it created must be in the table: no trusting the request count.
      checks[`${win.prefix}PersistedAsReported`] = persisted === result.created;
      checks[`${win.prefix}ConsistentResponses`] = result.inconsistent === 0;
      if (persisted !== result.created) warnings.push(`${win.label}: ${result.created} reported created, ${persisted} rows stored`);
      if (result.firstError) warnings.push(`${win.label}: ${result.firstError}`);
      run.env.log(
        `    ${win.label}: ${result.batches} batches, ${result.created} created (${persisted} rows), ${fmt(result.created / (result.elapsedMs / 1000))} events/s, batch p50 ${fmt(result.batchMs.p50, 1)} / p99 ${fmt(result.batchMs.p99, 1)} ms, CPU ${fmt(w.serverCpuPct)} % (GC ${fmt(w.serverGcPct)} %), PostgreSQL ${fmt(w.dbCpuPct)} %`,
      );
    }
    const mem = await run.memoryAfterGc();
    return {
      figures: { ...figures, failedBatches, rejectedItems, rssMb: mem.rssMb },
      checks: { ...checks, noFailedBatches: failedBatches === 0 },
      warnings,
    };
  },
  judge: (b) => judgeP9(b),
};
