/**
 * A tiny scenario for CI (test/e2e/bench.e2e-spec.ts): a handful of sinks and probe
 * clients, a few hundred events live and a short replay, on A and B. It checks that the
 * runner works end to end and that every event arrived in order; it judges no timing.
 */
import { sleep } from '../lib/ipc';
import type { Scenario } from './types';

const ROOM = 'room:smoke';
const SINKS = 20;
const PROBES = 3;
const EVENTS = 200;
const REPLAYERS = 5;

export const SMOKE: Scenario = {
  id: 'P1',
  title: 'smoke: tiny live fan-out and replay',
  bar: 'every event delivered, in order',
  systems: { A: 'bare socket.io', B: 'Herald' },
  figures: [{ key: 'delivered', label: 'deliveries', unit: '', better: 'higher' }],
  plot: { throughput: 'delivered', latency: 'delivered' },
  async run(run) {
    await run.startServers({ keepLog: true });
    const { procs } = await run.sinks(Array.from({ length: SINKS }, () => ({ rooms: [ROOM] })), { processes: 1 });
    const probe = await run.probe(Array.from({ length: PROBES }, () => ({ rooms: [ROOM] })));
    const published = await run.publish({ rooms: [ROOM], rate: 400, durationMs: EVENTS / 0.4 });
    const sinks = await run.drain(procs, published.published * SINKS, 20_000);
    // The probe's last events may still be in flight when the sinks are done.
    let report = await run.probeReport(probe, false);
    for (let i = 0; i < 40 && report.received < published.published * PROBES; i++) {
      await sleep(100);
      report = await run.probeReport(probe, false);
    }
    // Late joiners replaying the room's whole history (offsets start at 1 on both systems).
    const replay = await run.sinks(Array.from({ length: REPLAYERS }, () => ({ rooms: [ROOM], since: '0' })), {
      processes: 1,
      ordered: true,
      expectFrames: published.published,
      timeoutMs: 20_000,
    });
    return {
      figures: { delivered: sinks.frames + report.received },
      checks: {
        published: published.published === EVENTS && published.errors === 0,
        sinksGotAll: sinks.frames === EVENTS * SINKS,
        probeGotAll: report.received === EVENTS * PROBES && report.gaps === 0,
        probeInOrder: report.disorder === 0,
        replayedAll: replay.results[0].caughtUp === REPLAYERS,
      },
      warnings: [],
    };
  },
  judge: (_b, _a, _o, allChecks) => ({ met: allChecks, detail: allChecks ? 'all delivered in order' : 'lost or reordered events' }),
};
