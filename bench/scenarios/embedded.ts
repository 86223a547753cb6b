/**
 * P10: the embedded default. B is Herald with no DATABASE_URL (the embedded PGlite
 * database in a fresh data directory): its idle RSS as `npm start` runs it
 * (`node [flags] dist/main.js`, the flags from package.json), after a first start (which creates the database and applies the
 * migrations) and after a restart on the same directory, each once start-up has settled;
 * then P1's ramp against it. A is bare Socket.IO: its idle RSS and P1's ramp in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureServerBuilt, settledRss, startShipped } from '../lib/shipped';
import { SERVER_CORE } from './context';
import { ramp } from './fanout';
import { fmt, type FigureDef, type Medians, type Scenario, type Verdict } from './types';

export const P10_RSS_BAR_MB = 250;
const SETTLE_MS_FULL = 8_000;
const SETTLE_MS_QUICK = 5_000;

const FIGURES: FigureDef[] = [
  { key: 'idleRssFirstMb', label: 'idle RSS, first start', unit: 'MB', better: 'lower' },
  { key: 'idleRssRestartMb', label: 'idle RSS, restart', unit: 'MB', better: 'lower' },
  { key: 'startupPeakRssMb', label: 'RSS peak while settling', unit: 'MB', better: 'lower' },
  { key: 'readyFirstS', label: 'start to ready, first start', unit: 's', better: 'lower', digits: 1 },
  { key: 'readyRestartS', label: 'start to ready, restart', unit: 's', better: 'lower', digits: 1 },
  { key: 'peakDeliveriesPerSec', label: 'P1 peak deliveries/s', unit: '/s', better: 'higher' },
  { key: 'peakPublishRate', label: 'publish rate at peak', unit: '/s', better: 'higher' },
  { key: 'latencyP99Ms', label: 'latency p99 @20k/s', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'serverCpuPct', label: 'server CPU at peak', unit: '%', better: 'lower' },
  { key: 'lossPct', label: 'lost deliveries', unit: '%', better: 'lower', digits: 2 },
  { key: 'rssMb', label: 'RSS after GC, after the ramp', unit: 'MB', better: 'lower' },
];

export function judgeP10(b: Medians, a: Medians): Verdict {
  const idle = Math.max(b.idleRssFirstMb ?? 0, b.idleRssRestartMb ?? 0);
  if (b.idleRssFirstMb === undefined || b.peakDeliveriesPerSec === undefined) return { met: undefined, detail: 'no figure' };
  if (!a.peakDeliveriesPerSec) return { met: undefined, detail: `idle RSS ${fmt(idle)} MB; peak needs A in the same run` };
  const vsA = b.peakDeliveriesPerSec / a.peakDeliveriesPerSec;
  const detail = `idle RSS ${fmt(idle)} MB (≤ ${P10_RSS_BAR_MB}?), peak ${fmt(vsA, 2)} × A (≥ 0.9?)`;
  // Memory is not a timing: a busy machine does not excuse an idle RSS over the bar.
  return { met: idle <= P10_RSS_BAR_MB && vsA >= 0.9, detail, notTiming: idle > P10_RSS_BAR_MB };
}

export const P10: Scenario = {
  id: 'P10',
  title: 'embedded default (PGlite): idle memory and P1 peak',
  bar: 'idle RSS ≤ 250 MB; P1 peak ≥ 0.9 × A',
  systems: {
    A: 'bare socket.io (idle RSS of the bench server)',
    B: 'Herald with its defaults: embedded PGlite in a fresh data directory (idle: the npm start command, node [flags] dist/main.js)',
  },
  figures: FIGURES,
  plot: { throughput: 'peakDeliveriesPerSec', latency: 'idleRssRestartMb' },
  headline: [
    { key: 'idleRssFirstMb', label: 'P10 idle RSS, embedded default, first start' },
    { key: 'idleRssRestartMb', label: 'P10 idle RSS, embedded default, restart' },
    { key: 'peakDeliveriesPerSec', label: 'P10 P1 peak deliveries/s on the embedded database' },
  ],
  async run(run) {
    const settleMs = run.env.quick ? SETTLE_MS_QUICK : SETTLE_MS_FULL;
    const idle: Record<string, number | undefined> = {};
    let dataDir: string | undefined;
    try {
      if (run.system === 'B') {
        ensureServerBuilt(run.env.log);
        dataDir = mkdtempSync(join(tmpdir(), 'herald-bench-embedded-'));
        for (const [phase, label] of [
          ['First', 'first start'],
          ['Restart', 'restart'],
        ] as const) {
          const server = await startShipped(dataDir, SERVER_CORE);
          try {
            const rss = await settledRss(server.pid, settleMs);
            idle[`idleRss${phase}Mb`] = rss.settledMb;
            idle.startupPeakRssMb = Math.max(idle.startupPeakRssMb ?? 0, rss.maxMb);
            idle[`ready${phase}S`] = server.readyMs / 1000;
            if (!rss.settled) run.warnings.push(`${label}: RSS still moving after 30 s; the idle figure is its last sample`);
            run.env.log(`    ${label}: ready in ${fmt(server.readyMs / 1000, 1)} s, idle RSS ${fmt(rss.settledMb)} MB (peak ${fmt(rss.maxMb)} MB)`);
          } finally {
            await server.stop();
          }
        }
      }
      const result = await ramp(run, 1, {
        server: dataDir ? { embeddedDataDir: dataDir } : {},
        beforeLoad: async () => {
          if (run.system !== 'A') return;
          // The bare server's idle RSS, read the same way (from /proc, once settled).
          const rss = await settledRss(run.servers[0].pid, settleMs);
          idle.idleRssFirstMb = rss.settledMb;
          idle.idleRssRestartMb = rss.settledMb;
          idle.startupPeakRssMb = rss.maxMb;
        },
      });
      return { ...result, figures: { ...idle, ...result.figures } };
    } finally {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  },
  judge: (b, a) => judgeP10(b, a),
};

