/**
 * P8: HTTP-published fan-out. 1,000 sinks and 10 probes in one room; events are POSTed
 * over HTTP at 20, 40, 100, 200 and 300 publishes/s (× 1,010 deliveries), each rate for
 * one measurement window. B publishes through a real module route
 * (`POST /api/intelligence/updates`: JWT, validation, item row, event log, emit); A is bare
 * Socket.IO behind a `node:http` endpoint that parses the JSON, INSERTs the event into
 * PostgreSQL and emits it — both persist every publish before it is fanned out, and both
 * use the same PostgreSQL, pinned to the load core.
 */
import type { HttpReport } from '../load/http-publisher';
import type { ProbeReport } from '../load/probe';
import type { RunResult, WindowFigures } from './context';
import { BARE_ROUTE, ROUTES, type RouteName } from './routes';
import { fmt, type FigureDef, type Medians, type Scenario } from './types';

const MEMBERS = 1000;
const PROBES = 10;
const RATES_FULL = [20, 40, 100, 200, 300];
const RATES_QUICK = [20, 40, 200];
const WINDOW_MS_FULL = 6000;
const WINDOW_MS_QUICK = 3000;
/**
 * Keep-alive connections the publisher spreads a rate over, one request in flight on each:
 * at 300/s each sends every ~53 ms, so a server answering within that keeps up and a
 * slower one shows up as latency (stamps are the scheduled send times).
 */
const CONNECTIONS = 16;
const PAYLOAD_BYTES = 64;
/** The rates the latency bar is judged at, and the one the throughput bar is. */
export const P8_LATENCY_RATES = [20, 40];
export const P8_THROUGHPUT_RATE = 200;

const perRate = (rate: number): FigureDef[] => [
  { key: `publishRateAt${rate}`, label: `@${rate}/s achieved publishes/s`, unit: '/s', better: 'higher', digits: 1 },
  { key: `deliveriesAt${rate}`, label: `@${rate}/s deliveries/s`, unit: '/s', better: 'higher' },
  { key: `p50At${rate}Ms`, label: `@${rate}/s latency p50`, unit: 'ms', better: 'lower', digits: 1 },
  { key: `p99At${rate}Ms`, label: `@${rate}/s latency p99`, unit: 'ms', better: 'lower', digits: 1 },
  { key: `cpuAt${rate}Pct`, label: `@${rate}/s server CPU`, unit: '%', better: 'lower' },
  { key: `loadCoreAt${rate}Pct`, label: `@${rate}/s load core busy`, unit: '%', better: 'lower' },
];

/** B's p99 at each latency rate within max(1.5 × A's, 30 ms), and B's deliveries at 200/s ≥ 1.5 × A's. */
export function judgeP8(b: Medians, a: Medians): { met: boolean | undefined; detail: string } {
  const parts: string[] = [];
  let met: boolean | undefined = true;
  for (const rate of P8_LATENCY_RATES) {
    const mine = b[`p99At${rate}Ms`];
    const theirs = a[`p99At${rate}Ms`];
    if (mine === undefined || theirs === undefined) return { met: undefined, detail: `needs A and B p99 at ${rate}/s in the same run` };
    const bound = Math.max(1.5 * theirs, 30);
    parts.push(`@${rate}/s p99 ${fmt(mine, 1)} ≤ ${fmt(bound, 1)} ms? ${mine <= bound ? 'yes' : 'no'}`);
    if (mine > bound) met = false;
  }
  const mine = b[`deliveriesAt${P8_THROUGHPUT_RATE}`];
  const theirs = a[`deliveriesAt${P8_THROUGHPUT_RATE}`];
  if (mine === undefined || !theirs) return { met: undefined, detail: `needs A and B deliveries at ${P8_THROUGHPUT_RATE}/s in the same run` };
  parts.push(`@${P8_THROUGHPUT_RATE}/s deliveries ${fmt(mine / theirs, 2)} × A (≥ 1.5?)`);
  if (mine < 1.5 * theirs) met = false;
  return { met, detail: parts.join('; ') };
}

interface Step {
  rate: number;
  http: HttpReport;
  probe: ProbeReport;
  w: WindowFigures;
  windowFrames: number;
}

export const P8: Scenario = {
  id: 'P8',
  title: 'HTTP-published fan-out, one room × 1,000 clients',
  bar: "p99 ≤ max(1.5 × A's, 30 ms) at 20 and 40/s; deliveries ≥ 1.5 × A's at 200/s",
  systems: {
    A: 'bare socket.io + node:http (parse JSON, one pg INSERT, emit)',
    B: 'Herald, POST /api/intelligence/updates (JWT, validation, item INSERT, event log, emit)',
  },
  figures: [
    ...RATES_FULL.flatMap(perRate),
    { key: 'httpP99At40Ms', label: '@40/s HTTP response p99', unit: 'ms', better: 'lower', digits: 1 },
    { key: 'lossPct', label: 'lost deliveries', unit: '%', better: 'lower', digits: 2 },
    { key: 'httpFailed', label: 'HTTP failures', unit: '', better: 'lower' },
    { key: 'dbCpuPct', label: 'PostgreSQL CPU @200/s', unit: '%', better: 'lower' },
    { key: 'eldP99Ms', label: 'event-loop delay p99 (worst)', unit: 'ms', better: 'lower', digits: 1 },
    { key: 'eldMaxMs', label: 'event-loop delay max', unit: 'ms', better: 'lower', digits: 1 },
    { key: 'rssMb', label: 'RSS after GC', unit: 'MB', better: 'lower' },
    { key: 'heapMb', label: 'heap after GC', unit: 'MB', better: 'lower' },
  ],
  plot: { throughput: `deliveriesAt${P8_THROUGHPUT_RATE}`, latency: 'p99At40Ms' },
  headline: [
    { key: 'p99At20Ms', label: 'P8 latency p99 at 20 publishes/s over HTTP (20 k deliveries/s)' },
    { key: 'p99At40Ms', label: 'P8 latency p99 at 40 publishes/s over HTTP' },
    { key: `deliveriesAt${P8_THROUGHPUT_RATE}`, label: 'P8 deliveries/s at 200 publishes/s over HTTP' },
  ],
  async run(run) {
    const quick = run.env.quick;
    await run.startServers({ database: true });
    const routeName: RouteName = run.system === 'B' ? 'intelligence' : BARE_ROUTE;
    const route = ROUTES[routeName];
    const room = route.room(0);
    if ('setup' in route) await run.setupRequests(route.setup([room]));
    const member = { rooms: [room], emits: 'joins' in route ? route.joins(room) : undefined };
    const { procs } = await run.sinks(
      Array.from({ length: MEMBERS }, () => member),
      { processes: 2, namespace: route.namespace },
    );
    const probe = await run.probe(
      Array.from({ length: PROBES }, () => member),
      0,
      route.namespace,
    );
    const http = await run.httpPublisher();
    const durationMs = quick ? WINDOW_MS_QUICK : WINDOW_MS_FULL;
    const steps: Step[] = [];
    const base = (await run.sinkFrames(procs)).frames;
    let published = 0;
    for (const rate of quick ? RATES_QUICK : RATES_FULL) {
      const before = (await run.sinkFrames(procs)).frames;
      const { result, w } = await run.window(() =>
        run.httpRun(http, { route: routeName, rooms: [room], rate, durationMs, payloadBytes: PAYLOAD_BYTES, connections: CONNECTIONS }),
      );
      const atEnd = (await run.sinkFrames(procs)).frames;
      published += result.ok;
      await run.drain(procs, base + published * MEMBERS);
      const report = await run.probeReport(probe);
      steps.push({ rate, http: result, probe: report, w, windowFrames: atEnd - before });
      run.env.log(
        `    ${rate}/s → ${fmt(result.ok / (result.elapsedMs / 1000), 1)} publishes/s, ${fmt(((atEnd - before) * (MEMBERS + PROBES)) / MEMBERS / (w.wallMs / 1000))} deliveries/s, p50 ${fmt(report.latencyMs.p50, 1)} / p99 ${fmt(report.latencyMs.p99, 1)} ms, CPU ${fmt(w.serverCpuPct)} %, load core ${fmt(w.loadCoreBusyPct)} %`,
      );
      if (result.failed) run.warnings.push(`@${rate}/s: ${result.failed} HTTP failures (${result.firstError ?? '?'})`);
    }
    const final = await run.drain(procs, base + published * MEMBERS);
    const mem = await run.memoryAfterGc();
    const figures: RunResult['figures'] = {};
    for (const s of steps) {
      figures[`publishRateAt${s.rate}`] = s.http.ok / (s.http.elapsedMs / 1000);
      // Deliveries that arrived within the window, probes counted as members.
      figures[`deliveriesAt${s.rate}`] = (s.windowFrames * (MEMBERS + PROBES)) / MEMBERS / (s.w.wallMs / 1000);
      figures[`p50At${s.rate}Ms`] = s.probe.latencyMs.p50;
      figures[`p99At${s.rate}Ms`] = s.probe.latencyMs.p99;
      figures[`cpuAt${s.rate}Pct`] = s.w.serverCpuPct;
      figures[`loadCoreAt${s.rate}Pct`] = s.w.loadCoreBusyPct;
    }
    const at40 = steps.find((s) => s.rate === 40);
    const at200 = steps.find((s) => s.rate === P8_THROUGHPUT_RATE);
    const expected = published * MEMBERS;
    const got = final.frames - base;
    const probeGaps = steps.reduce((n, s) => n + s.probe.gaps, 0);
    return {
      figures: {
        ...figures,
        httpP99At40Ms: at40?.http.responseMs.p99,
        lossPct: expected ? (100 * Math.max(0, expected - got)) / expected : 0,
        httpFailed: steps.reduce((n, s) => n + s.http.failed, 0),
        dbCpuPct: at200?.w.dbCpuPct,
        eldP99Ms: Math.max(...steps.map((s) => s.w.eldP99Ms)),
        eldMaxMs: Math.max(...steps.map((s) => s.w.eldMaxMs)),
        rssMb: mem.rssMb,
        heapMb: mem.heapMb,
      },
      checks: {
        allDelivered: got >= expected && probeGaps === 0,
        inOrder: steps.every((s) => s.probe.disorder === 0),
        closedNone: final.closed === 0,
        noHttpFailures: steps.every((s) => s.http.failed === 0),
      },
      warnings: [],
      steps: steps.map((s) => ({
        rate: s.rate,
        publishRate: s.http.ok / (s.http.elapsedMs / 1000),
        deliveriesPerSec: (s.windowFrames * (MEMBERS + PROBES)) / MEMBERS / (s.w.wallMs / 1000),
        latencyP50Ms: s.probe.latencyMs.p50,
        latencyP99Ms: s.probe.latencyMs.p99,
        httpP99Ms: s.http.responseMs.p99,
        sendLagMaxMs: s.http.sendLagMaxMs,
        serverCpuPct: s.w.serverCpuPct,
        dbCpuPct: s.w.dbCpuPct,
        loadCoreBusyPct: s.w.loadCoreBusyPct,
        loadProcCpuPct: s.w.loadProcCpuPct,
        eldP99Ms: s.w.eldP99Ms,
      })),
    };
  },
  judge: (b, a) => judgeP8(b, a),
};
