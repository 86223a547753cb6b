/**
 * P2: 100 rooms × 10 members at 20,000 deliveries/s (2,000 publishes/s round robin).
 * P5: the same audience, but each event is POSTed to the HTTP API and persisted before
 *     it is fanned out (2,000 publishes/s → 20,000 deliveries/s).
 *
 * P5 reads "fanned out to 1,000 clients" as 1,000 connected clients that the events are
 * spread over. Each publish to all 1,000 would be 2,000,000 deliveries/s, ~30× what one
 * core delivers at all (P1 measures that ceiling), so that reading cannot be met by any
 * single-core server; see the README's Performance section.
 */
import type { RunResult, ScenarioRun } from './context';
import type { SinkSpec } from '../load/sink';
import { BARE_ROUTE, P5_ROUTE, ROUTES, type PublishRoute, type RouteName } from './routes';
import { COMMON_FIGURES, commonFigures, fmt, type FigureDef, type Scenario } from './types';

const ROOMS = 100;
const PER_ROOM = 10;
const PROBES = 10;
const PUBLISH_RATE = 2000;
/** P2 first runs these (5 k and 10 k deliveries/s) to show where each server's p99 bends. */
const LOWER_RATES = [500, 1000];
const LOWER_STEP_MS = 4000;
const PAYLOAD_BYTES = 64;

/** Members per room that are sinks (one member of each probed room is a probe client). */
const sinksIn = (r: number) => (r < PROBES ? PER_ROOM - 1 : PER_ROOM);

const FIGURES: FigureDef[] = [
  { key: 'publishRate', label: 'achieved publishes/s', unit: '/s', better: 'higher' },
  { key: 'deliveriesPerSec', label: 'deliveries/s', unit: '/s', better: 'higher' },
  { key: 'latencyP50Ms', label: 'latency p50', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'latencyP99Ms', label: 'latency p99', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'latencyMaxMs', label: 'latency max', unit: 'ms', better: 'lower', digits: 1 },
  // The server's share of the latency: from each publish's scheduled time until it was emitted
  // (for B: appended to the event log, claimed, handed to the sockets). P2 only: P5 publishes over HTTP.
  { key: 'emitP50Ms', label: 'publish → emit p50 (server)', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'emitP99Ms', label: 'publish → emit p99 (server)', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'latencyP99At5kMs', label: 'latency p99 @5k/s', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'latencyP99At10kMs', label: 'latency p99 @10k/s', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'lossPct', label: 'lost deliveries', unit: '%', better: 'lower', digits: 2 },
  { key: 'cpuMsPerPublish', label: 'server CPU per publish', unit: 'ms', better: 'lower', digits: 3 },
  ...COMMON_FIGURES,
];

/** 10 members in each of 100 rooms, named and joined as `route` says (P2 and A: the bench namespace). */
async function audience(run: ScenarioRun, route: PublishRoute = ROUTES[BARE_ROUTE]) {
  const rooms = Array.from({ length: ROOMS }, (_, r) => route.room(r));
  if (route.setup) await run.setupRequests(route.setup(rooms));
  const member = (r: number) => ({ rooms: [rooms[r]], emits: route.joins?.(rooms[r]) });
  const specs: SinkSpec[] = [];
  for (let r = 0; r < ROOMS; r++) for (let k = 0; k < sinksIn(r); k++) specs.push(member(r));
  const { procs } = await run.sinks(specs, { processes: 2, namespace: route.namespace });
  const probe = await run.probe(
    Array.from({ length: PROBES }, (_, r) => member(r)),
    0,
    route.namespace,
  );
  return { procs, probe, rooms };
}

function expectedSinkFrames(rooms: string[], perRoom: Record<string, number>): number {
  let expected = 0;
  for (let r = 0; r < ROOMS; r++) expected += (perRoom[rooms[r]] ?? 0) * sinksIn(r);
  return expected;
}

/** Publishes `rate` events/s over the audience's rooms for one lower step; says how many went to each room. */
type StepPublish = (rate: number) => Promise<{ perRoom: Record<string, number> }>;

/** p99 latency at each lower rate, each step drained before the next. */
async function lowerSteps(
  run: ScenarioRun,
  audienceOf: Awaited<ReturnType<typeof audience>>,
  publish: StepPublish = (rate) => run.publish({ rooms: audienceOf.rooms, rate, durationMs: LOWER_STEP_MS, payloadBytes: PAYLOAD_BYTES }),
): Promise<Record<number, number | undefined>> {
  const p99: Record<number, number | undefined> = {};
  for (const rate of LOWER_RATES) {
    const before = (await run.sinkFrames(audienceOf.procs)).frames;
    const result = await publish(rate);
    await run.drain(audienceOf.procs, before + expectedSinkFrames(audienceOf.rooms, result.perRoom));
    p99[rate] = (await run.probeReport(audienceOf.probe)).latencyMs.p99;
    run.env.log(`    ${rate}/s (${fmt(rate * PER_ROOM)} deliveries/s) → p99 ${fmt(p99[rate], 1)} ms`);
  }
  return p99;
}

async function finish(
  run: ScenarioRun,
  { procs: sinkProcs, probe, rooms }: Awaited<ReturnType<typeof audience>>,
  before: number,
  perRoom: Record<string, number>,
  window: { wallMs: number; frames: number },
): Promise<Pick<RunResult, 'figures' | 'checks'>> {
  const expected = expectedSinkFrames(rooms, perRoom);
  const after = await run.drain(sinkProcs, before + expected);
  const report = await run.probeReport(probe);
  const got = after.frames - before;
  return {
    figures: {
      deliveriesPerSec: ((window.frames * (ROOMS * PER_ROOM)) / (ROOMS * PER_ROOM - PROBES)) / (window.wallMs / 1000),
      latencyP50Ms: report.latencyMs.p50,
      latencyP99Ms: report.latencyMs.p99,
      latencyMaxMs: report.latencyMs.max,
      lossPct: expected ? (100 * Math.max(0, expected - got)) / expected : 0,
    },
    checks: { allDelivered: got >= expected && report.gaps === 0, inOrder: report.disorder === 0, closedNone: after.closed === 0 },
  };
}

export const P2: Scenario = {
  id: 'P2',
  title: '100 rooms × 10 clients at 20 k deliveries/s',
  bar: 'p99 ≤ 10 ms at 20 k deliveries/s',
  systems: { A: 'bare socket.io', B: 'Herald' },
  figures: FIGURES,
  plot: { throughput: 'deliveriesPerSec', latency: 'latencyP99Ms' },
  headline: [
    { key: 'latencyP99Ms', label: 'P2 latency p99 at 20 k deliveries/s, 100 rooms × 10' },
    { key: 'latencyP50Ms', label: 'P2 latency p50 at 20 k deliveries/s' },
  ],
  async run(run) {
    await run.startServers();
    const members = await audience(run);
    const { procs, rooms } = members;
    const lower = run.env.quick ? {} : await lowerSteps(run, members);
    const durationMs = run.env.quick ? 3000 : 6000;
    const before = (await run.sinkFrames(procs)).frames;
    const { result, w } = await run.window(() => run.publish({ rooms, rate: PUBLISH_RATE, durationMs, payloadBytes: PAYLOAD_BYTES }));
    const atEnd = (await run.sinkFrames(procs)).frames;
    const done = await finish(run, members, before, result.perRoom, { wallMs: w.wallMs, frames: atEnd - before });
    const mem = await run.memoryAfterGc();
    return {
      figures: {
        publishRate: result.published / (w.wallMs / 1000),
        ...done.figures,
        emitP50Ms: result.emitMs?.p50,
        emitP99Ms: result.emitMs?.p99,
        latencyP99At5kMs: lower[LOWER_RATES[0]],
        latencyP99At10kMs: lower[LOWER_RATES[1]],
        cpuMsPerPublish: result.published ? (w.serverCpuPct / 100) * (w.wallMs / result.published) : undefined,
        ...commonFigures(w, mem),
      },
      checks: { ...done.checks, noPublishErrors: result.errors === 0 },
      warnings: result.firstError ? [`publish error: ${result.firstError}`] : [],
    };
  },
  judge(b) {
    if (b.latencyP99Ms === undefined || b.deliveriesPerSec === undefined) return { met: undefined, detail: 'no figure' };
    const carried = b.deliveriesPerSec >= 0.95 * PUBLISH_RATE * PER_ROOM;
    return {
      met: carried && b.latencyP99Ms <= 10,
      detail: `p99 ${fmt(b.latencyP99Ms, 1)} ms at ${fmt(b.deliveriesPerSec)} deliveries/s`,
    };
  },
};

export const P5: Scenario = {
  id: 'P5',
  title: 'persisted publishes over HTTP, fanned out to 1,000 clients',
  bar: '≥ 2,000 publishes/s, p99 publish→deliver ≤ 50 ms',
  systems: { A: 'bare socket.io + node:http + one pg INSERT per publish', B: `Herald, ${ROUTES[P5_ROUTE].name}` },
  figures: [
    ...FIGURES.slice(0, 5),
    { key: 'httpP99Ms', label: 'HTTP response p99', unit: 'ms', better: 'lower', digits: 1 },
    { key: 'httpFailed', label: 'HTTP failures', unit: '', better: 'lower' },
    ...FIGURES.slice(5),
  ],
  plot: { throughput: 'publishRate', latency: 'latencyP99Ms' },
  headline: [
    { key: 'publishRate', label: 'P5 persisted HTTP publishes/s' },
    { key: 'latencyP99Ms', label: 'P5 latency p99, publish → deliver' },
  ],
  async run(run) {
    await run.startServers({ database: true });
    const route: RouteName = run.system === 'B' ? P5_ROUTE : BARE_ROUTE;
    const members = await audience(run, ROUTES[route]);
    const { procs, rooms } = members;
    const http = await run.httpPublisher();
    // As in P2, the lower steps come first: their p99s show where each server bends, and
    // they warm both servers up, so the window measures 2,000/s rather than a cold start.
    const lowerFailures: string[] = [];
    const lower = run.env.quick
      ? {}
      : await lowerSteps(run, members, async (rate) => {
          const step = await run.httpRun(http, { route, rooms, rate, durationMs: LOWER_STEP_MS, payloadBytes: PAYLOAD_BYTES, stampTag: `${rate}/s` });
          if (step.failed) lowerFailures.push(`${step.failed} HTTP failure(s) at ${rate}/s: ${step.firstError}`);
          return step;
        });
    const durationMs = run.env.quick ? 3000 : 6000;
    const before = (await run.sinkFrames(procs)).frames;
    const { result, w } = await run.window(() =>
      run.httpRun(http, { route, rooms, rate: PUBLISH_RATE, durationMs, payloadBytes: PAYLOAD_BYTES }),
    );
    const atEnd = (await run.sinkFrames(procs)).frames;
    const done = await finish(run, members, before, result.perRoom, { wallMs: w.wallMs, frames: atEnd - before });
    const mem = await run.memoryAfterGc();
    return {
      figures: {
        publishRate: result.ok / (result.elapsedMs / 1000),
        ...done.figures,
        httpP99Ms: result.responseMs.p99,
        httpFailed: result.failed,
        latencyP99At5kMs: lower[LOWER_RATES[0]],
        latencyP99At10kMs: lower[LOWER_RATES[1]],
        cpuMsPerPublish: result.ok ? (w.serverCpuPct / 100) * (w.wallMs / result.ok) : undefined,
        ...commonFigures(w, mem),
      },
      checks: { ...done.checks, noHttpFailures: result.failed === 0 && lowerFailures.length === 0 },
      warnings: [...lowerFailures, ...(result.firstError ? [`HTTP error: ${result.firstError}`] : [])],
    };
  },
  judge(b) {
    if (b.publishRate === undefined || b.latencyP99Ms === undefined) return { met: undefined, detail: 'no figure' };
    return {
      met: b.publishRate >= 0.975 * PUBLISH_RATE && b.latencyP99Ms <= 50,
      detail: `${fmt(b.publishRate)} publishes/s, p99 ${fmt(b.latencyP99Ms, 1)} ms`,
    };
  },
};
