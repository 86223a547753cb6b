import type { RunResult, ScenarioRun, SystemId, WindowFigures } from './context';

export type ScenarioId = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6' | 'P7' | 'P8' | 'P9' | 'P10';

export interface FigureDef {
  key: string;
  label: string;
  unit: string;
  /** Which direction is good, for reading the B/A ratio. */
  better: 'higher' | 'lower';
  digits?: number;
}

/** Medians over repeats, per system. */
export type Medians = Record<string, number | undefined>;

export interface Verdict {
  /** undefined: cannot be judged from this run (missing figure or scenario). */
  met: boolean | undefined;
  detail: string;
  /** The verdict does not rest on a timing (e.g. a route that does not exist): a busy machine does not void it. */
  notTiming?: boolean;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  bar: string;
  /** What A and B are in this scenario. */
  systems: Record<SystemId, string>;
  figures: FigureDef[];
  /** Figure keys drawn in the plot. */
  plot: { throughput: string; latency: string };
  /** The figures the results table in docs/performance.md shows, in order (default: the plotted two). */
  headline?: Array<{ key: string; label: string }>;
  run(run: ScenarioRun): Promise<RunResult>;
  /** Judges the bar from B's (and A's) medians; `others` gives other scenarios' medians of this run. */
  judge(b: Medians, a: Medians, others: (id: ScenarioId, system: SystemId) => Medians | undefined, allChecks: boolean): Verdict;
}

/** The figures every scenario reports, after its own. */
export const COMMON_FIGURES: FigureDef[] = [
  { key: 'serverCpuPct', label: 'server CPU', unit: '%', better: 'lower', digits: 0 },
  { key: 'dbCpuPct', label: 'PostgreSQL CPU (load core)', unit: '%', better: 'lower', digits: 0 },
  // Load generator, probes and PostgreSQL share this core: near 100 %, latency is the core's queue, not the server's.
  { key: 'loadCoreBusyPct', label: 'load core busy', unit: '%', better: 'lower', digits: 0 },
  { key: 'eldP99Ms', label: 'event-loop delay p99', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'eldMaxMs', label: 'event-loop delay max', unit: 'ms', better: 'lower', digits: 1 },
  { key: 'rssMb', label: 'RSS after GC', unit: 'MB', better: 'lower', digits: 0 },
  { key: 'heapMb', label: 'heap after GC', unit: 'MB', better: 'lower', digits: 0 },
];

/** The values of COMMON_FIGURES for a measurement window and the memory read after it. */
export function commonFigures(w: WindowFigures, mem: { rssMb: number; heapMb: number }): Record<string, number | undefined> {
  return {
    serverCpuPct: w.serverCpuPct,
    dbCpuPct: w.dbCpuPct,
    loadCoreBusyPct: w.loadCoreBusyPct,
    eldP99Ms: w.eldP99Ms,
    eldMaxMs: w.eldMaxMs,
    rssMb: mem.rssMb,
    heapMb: mem.heapMb,
  };
}

export const fmt = (v: number | undefined, digits = 0) => (v === undefined ? 'n/a' : v.toFixed(digits));
