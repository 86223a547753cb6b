/**
 * P7: 1,000 clients reconnect at once, each 500 events behind in its room: every client
 * must receive the missed events (from the event log on B, from memory on A) in order.
 */
import { COMMON_FIGURES, commonFigures, fmt, type Scenario } from './types';

const ROOM = 'room:replay';
const BEHIND = 500;
const CLIENTS_FULL = 1000;
const CLIENTS_QUICK = 200;

export const P7: Scenario = {
  id: 'P7',
  title: 'replay: reconnect 1,000 clients each 500 events behind',
  bar: 'all caught up, in order, in ≤ 5 s',
  systems: { A: 'bare socket.io replaying from memory', B: 'Herald replaying from the event log' },
  figures: [
    { key: 'catchUpMs', label: 'time until all caught up', unit: 'ms', better: 'lower' },
    { key: 'caughtUp', label: 'clients caught up', unit: '', better: 'higher' },
    { key: 'replayedPerSec', label: 'replayed events/s', unit: '/s', better: 'higher' },
    { key: 'orderErrors', label: 'out-of-order events', unit: '', better: 'lower' },
    { key: 'cpuMsPer1kEvents', label: 'server CPU per 1,000 replayed', unit: 'ms', better: 'lower', digits: 1 },
    ...COMMON_FIGURES,
  ],
  plot: { throughput: 'replayedPerSec', latency: 'catchUpMs' },
  headline: [
    { key: 'catchUpMs', label: 'P7 1,000 clients × 500 events behind: time until all caught up' },
    { key: 'caughtUp', label: 'P7 clients caught up, in order' },
  ],
  async run(run) {
    const n = run.env.quick ? CLIENTS_QUICK : CLIENTS_FULL;
    const [server] = await run.startServers({ keepLog: true });
    const burst = await server.request<{ firstOffset: string }>('burst', { room: ROOM, count: BEHIND });
    const since = (BigInt(burst.firstOffset) - 1n).toString();
    const specs = Array.from({ length: n }, () => ({ rooms: [ROOM], since }));
    const { result, w } = await run.window(() =>
      run.sinks(specs, { processes: 2, concurrency: n, ordered: true, expectFrames: BEHIND, timeoutMs: 60_000 }),
    );
    const caughtUp = result.results.reduce((s, r) => s + (r.caughtUp ?? 0), 0);
    const catchUpMs = Math.max(...result.results.map((r) => r.catchUpMs ?? Number.NaN));
    const counts = await run.sinkFrames(result.procs);
    const mem = await run.memoryAfterGc();
    return {
      figures: {
        catchUpMs: caughtUp === n ? catchUpMs : undefined,
        caughtUp,
        replayedPerSec: caughtUp === n ? (n * BEHIND) / (catchUpMs / 1000) : undefined,
        orderErrors: counts.orderErrors,
        cpuMsPer1kEvents: counts.frames ? (w.serverCpuPct / 100) * w.wallMs / (counts.frames / 1000) : undefined,
        ...commonFigures(w, mem),
      },
      checks: { allCaughtUp: caughtUp === n, inOrder: counts.orderErrors === 0, noExtra: counts.frames === n * BEHIND },
      warnings: [
        ...(counts.firstOrderError ? [`order error: ${counts.firstOrderError}`] : []),
        ...(counts.firstOtherEvent ? [`${counts.otherEvents} other events, first: ${counts.firstOtherEvent}`] : []),
      ],
    };
  },
  judge(b, _a, _o, allChecks) {
    if (b.catchUpMs === undefined) return { met: false, detail: `only ${fmt(b.caughtUp)} clients caught up` };
    return { met: allChecks && b.catchUpMs <= 5000, detail: `${fmt(b.catchUpMs)} ms for ${fmt(b.caughtUp)} clients` };
  },
};
