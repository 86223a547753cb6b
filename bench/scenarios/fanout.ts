/**
 * P1: one room × 1,000 members, publish rate ramped until the server saturates.
 * P6: the same with two instances and Redis, members split across them, publishing on one.
 */
import type { RunResult, ScenarioRun, ServerOptions } from './context';
import { COMMON_FIGURES, fmt, type FigureDef, type Scenario } from './types';

const ROOM = 'room:fanout';
const MEMBERS = 1000;
const PROBES = 10;
/** Publishes per second per step: × ~1,010 members = offered deliveries/s. */
// Up to 200/s: with writes coalesced per socket, Herald's saturated throughput passed 100/s.
const STEPS_FULL = [20, 40, 60, 80, 100, 130, 160, 200];
const STEPS_QUICK = [20, 60, 100];
/** A step whose deliveries fall below this share of what was offered is saturated: the ramp stops. */
const SATURATED_BELOW = 0.85;

const FIGURES: FigureDef[] = [
  { key: 'peakDeliveriesPerSec', label: 'peak deliveries/s', unit: '/s', better: 'higher' },
  { key: 'peakPublishRate', label: 'publish rate at peak', unit: '/s', better: 'higher' },
  { key: 'deliveriesPerCpuSec', label: 'deliveries per server CPU-s', unit: '/s', better: 'higher' },
  { key: 'latencyP50Ms', label: 'latency p50 @20k/s', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'latencyP99Ms', label: 'latency p99 @20k/s', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'emitP99Ms', label: 'publish → emit p99 @20k/s (server)', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'cpuAt20kPct', label: 'server CPU @20k/s', unit: '%', better: 'lower', digits: 0 },
  { key: 'lossPct', label: 'lost deliveries', unit: '%', better: 'lower', digits: 2 },
  ...COMMON_FIGURES.filter((f) => f.key !== 'dbCpuPct'),
];

export interface RampOptions {
  /** Extra server options (P10: B on the embedded database). */
  server?: ServerOptions;
  /** Runs once the servers are up, before any client connects (P10: idle memory). */
  beforeLoad?: () => Promise<void>;
}

export async function ramp(run: ScenarioRun, instances: number, options: RampOptions = {}): Promise<RunResult> {
  const quick = run.env.quick;
  await run.startServers({ ...options.server, instances, redis: instances > 1 });
  await options.beforeLoad?.();
  const specs = Array.from({ length: MEMBERS }, () => ({ rooms: [ROOM] }));
  // Two sink processes; with two instances each process holds the members of one.
  const { procs } = await run.sinks(specs, { processes: 2, serverFor: (k) => k % instances });
  const probes = await Promise.all(
    Array.from({ length: instances }, (_, s) => run.probe(Array.from({ length: PROBES / instances }, () => ({ rooms: [ROOM] })), s)),
  );
  const members = MEMBERS + PROBES;
  const stepMs = quick ? 2000 : 3000;
  const steps: RunResult['steps'] = [];
  let published = 0;
  const base = await run.sinkFrames(procs);
  let probeReceived = 0;
  let serverCpu: number | undefined;
  let eldP99 = 0;
  let eldMax = 0;

  for (const rate of quick ? STEPS_QUICK : STEPS_FULL) {
    const before = await run.sinkFrames(procs);
    const { result, w } = await run.window(() => run.publish({ rooms: [ROOM], rate, durationMs: stepMs }));
    const atEnd = await run.sinkFrames(procs);
    await run.drain(procs, base.frames + (published + result.published) * MEMBERS);
    const reports = await Promise.all(probes.map((p) => run.probeReport(p)));
    // Sinks count what arrived within the window; the probe clients are members too.
    const windowDeliveries = ((atEnd.frames - before.frames) * members) / MEMBERS;
    published += result.published;
    probeReceived += reports.reduce((s, r) => s + r.received, 0);
    const worst = reports.reduce((m, r) => ((r.latencyMs.p99 ?? 0) > (m.latencyMs.p99 ?? 0) ? r : m));
    const step = {
      rate,
      offeredDeliveriesPerSec: rate * members,
      deliveriesPerSec: windowDeliveries / (w.wallMs / 1000),
      publishRate: result.published / (w.wallMs / 1000),
      latencyP50Ms: worst.latencyMs.p50,
      latencyP99Ms: worst.latencyMs.p99,
      // With two instances, the first's publishes (run.publish drives instance 0).
      emitP99Ms: result.emitMs?.p99,
      serverCpuPct: w.serverCpuPct,
      eldP99Ms: w.eldP99Ms,
      loadCoreBusyPct: w.loadCoreBusyPct,
    };
    steps.push(step);
    serverCpu ??= w.serverCpuPct;
    eldP99 = Math.max(eldP99, w.eldP99Ms);
    eldMax = Math.max(eldMax, w.eldMaxMs);
    run.env.log(
      `    ${rate}/s → ${fmt(step.deliveriesPerSec)} deliveries/s, p99 ${fmt(step.latencyP99Ms, 1)} ms, CPU ${fmt(w.serverCpuPct)} %`,
    );
    if (step.deliveriesPerSec < SATURATED_BELOW * step.offeredDeliveriesPerSec) break;
  }

  const final = await run.drain(procs, base.frames + published * MEMBERS);
  const expected = published * members;
  const got = final.frames - base.frames + probeReceived;
  const mem = await run.memoryAfterGc();
  const peak = steps.reduce((m, s) => ((s.deliveriesPerSec ?? 0) > (m.deliveriesPerSec ?? 0) ? s : m));
  const first = steps[0];
  const lossPct = expected ? (100 * Math.max(0, expected - got)) / expected : 0;
  return {
    figures: {
      peakDeliveriesPerSec: peak.deliveriesPerSec,
      peakPublishRate: peak.publishRate,
      // What one fully available core would carry at this cost; robust against a busy machine.
      deliveriesPerCpuSec: peak.serverCpuPct ? (peak.deliveriesPerSec ?? 0) / (peak.serverCpuPct / 100) : undefined,
      latencyP50Ms: first.latencyP50Ms,
      latencyP99Ms: first.latencyP99Ms,
      emitP99Ms: first.emitP99Ms,
      cpuAt20kPct: first.serverCpuPct,
      lossPct,
      serverCpuPct: peak.serverCpuPct,
      eldP99Ms: eldP99,
      eldMaxMs: eldMax,
      rssMb: mem.rssMb,
      heapMb: mem.heapMb,
    },
    checks: { allDelivered: got >= expected, closedNone: final.closed === 0 },
    warnings: [],
    steps,
  };
}

export const P1: Scenario = {
  id: 'P1',
  title: 'one room × 1,000 clients, publish rate ramped to saturation',
  bar: 'delivered/s ≥ 0.9 × A, and ≥ 50 k/s',
  systems: { A: 'bare socket.io', B: 'Herald' },
  figures: FIGURES,
  plot: { throughput: 'peakDeliveriesPerSec', latency: 'latencyP99Ms' },
  headline: [
    { key: 'peakDeliveriesPerSec', label: 'P1 peak deliveries/s, 1 room × 1,000' },
    { key: 'latencyP99Ms', label: 'P1 latency p99 at 20 k deliveries/s' },
  ],
  run: (run) => ramp(run, 1),
  judge(b, a) {
    const peak = b.peakDeliveriesPerSec;
    const ref = a.peakDeliveriesPerSec;
    if (peak === undefined) return { met: undefined, detail: 'no figure' };
    const vsA = ref ? peak / ref : undefined;
    const met = peak >= 50_000 && (vsA === undefined || vsA >= 0.9);
    return { met, detail: `B ${fmt(peak)}/s, B/A ${fmt(vsA, 2)}` };
  },
};

export const P6: Scenario = {
  id: 'P6',
  title: 'two instances + Redis, members spread across both',
  bar: 'delivered/s ≥ 0.8 × single instance; p99 added ≤ 5 ms',
  systems: { A: 'bare socket.io ×2 + Redis adapter', B: 'Herald ×2 + Redis' },
  figures: FIGURES,
  plot: { throughput: 'peakDeliveriesPerSec', latency: 'latencyP99Ms' },
  headline: [
    { key: 'peakDeliveriesPerSec', label: 'P6 two instances + Redis, peak deliveries/s' },
    { key: 'latencyP99Ms', label: 'P6 latency p99 at 20 k deliveries/s' },
  ],
  run: (run) => ramp(run, 2),
  judge(b, _a, others) {
    const single = others('P1', 'B');
    if (!single?.peakDeliveriesPerSec || b.peakDeliveriesPerSec === undefined) {
      return { met: undefined, detail: 'needs P1 in the same run' };
    }
    const share = b.peakDeliveriesPerSec / single.peakDeliveriesPerSec;
    const added = (b.latencyP99Ms ?? 0) - (single.latencyP99Ms ?? 0);
    return { met: share >= 0.8 && added <= 5, detail: `${fmt(share, 2)} × single, p99 ${added >= 0 ? '+' : ''}${fmt(added, 1)} ms` };
  },
};
