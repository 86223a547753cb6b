/** Turns the runs of a suite into medians, B/A ratios, verdicts, a table and a plot. */
import type { RunResult, SystemId } from '../scenarios/context';
import { fmt, type Medians, type Scenario, type ScenarioId, type Verdict } from '../scenarios/types';
import { median, ratio } from './stats';
import type { PlotPanel } from './svg';

export interface RunRecord {
  scenario: ScenarioId;
  system: SystemId;
  repeat: number;
  result?: RunResult;
  error?: string;
  seconds: number;
}

export interface FigureSummary {
  key: string;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  A?: number;
  B?: number;
  ratio?: number;
  /** Every repeat's value, for judging spread. */
  runs: Record<SystemId, Array<number | undefined>>;
}

export interface ScenarioSummary {
  id: ScenarioId;
  title: string;
  bar: string;
  systems: Record<SystemId, string>;
  figures: FigureSummary[];
  /** Every check held in every run of B (delivery, order). */
  checks: Record<SystemId, Record<string, boolean>>;
  verdict: Verdict;
  warnings: string[];
  errors: string[];
}

export function mediansOf(records: RunRecord[], scenario: ScenarioId, system: SystemId): Medians | undefined {
  const runs = records.filter((r) => r.scenario === scenario && r.system === system && r.result);
  if (!runs.length) return undefined;
  const keys = new Set(runs.flatMap((r) => Object.keys(r.result!.figures)));
  const out: Medians = {};
  for (const k of keys) out[k] = median(runs.map((r) => r.result!.figures[k]));
  return out;
}

function checksOf(records: RunRecord[], scenario: ScenarioId, system: SystemId): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const r of records) {
    if (r.scenario !== scenario || r.system !== system || !r.result) continue;
    for (const [k, v] of Object.entries(r.result.checks)) out[k] = (out[k] ?? true) && v;
  }
  return out;
}

export function summarizeSuite(scenarios: Scenario[], records: RunRecord[]): ScenarioSummary[] {
  const others = (id: ScenarioId, system: SystemId) => mediansOf(records, id, system);
  return scenarios.map((s) => {
    const a = mediansOf(records, s.id, 'A') ?? {};
    const b = mediansOf(records, s.id, 'B') ?? {};
    const mine = records.filter((r) => r.scenario === s.id);
    const checks = { A: checksOf(records, s.id, 'A'), B: checksOf(records, s.id, 'B') };
    const allChecks = Object.values(checks.B).every(Boolean);
    const figures = s.figures.map((f) => ({
      ...f,
      A: a[f.key],
      B: b[f.key],
      ratio: ratio(b[f.key], a[f.key]),
      runs: {
        A: mine.filter((r) => r.system === 'A').map((r) => r.result?.figures[f.key]),
        B: mine.filter((r) => r.system === 'B').map((r) => r.result?.figures[f.key]),
      },
    }));
    let verdict = mine.some((r) => r.system === 'B' && r.result) ? s.judge(b, a, others, allChecks) : { met: undefined, detail: 'B not run' };
    const warnings = [...new Set(mine.flatMap((r) => (r.result?.warnings ?? []).map((w) => `${r.system}#${r.repeat}: ${w}`)))];
    // A timing that passes does not make up for lost or reordered events.
    if (!allChecks) verdict = { met: false, detail: `${verdict.detail}; checks failed: ${failed(checks.B)}` };
    // Timings from a window where the machine was busy elsewhere prove nothing either way.
    else if (verdict.met !== undefined && !verdict.notTiming && warnings.some((w) => INVALIDATING.test(w))) {
      verdict = { met: undefined, detail: `${verdict.detail}; not judged: the machine was busy (see warnings)` };
    }
    return {
      id: s.id,
      title: s.title,
      bar: s.bar,
      systems: s.systems,
      figures,
      checks,
      verdict,
      warnings,
      errors: mine.filter((r) => r.error).map((r) => `${r.system}#${r.repeat}: ${r.error}`),
    };
  });
}

/** Warnings (from ScenarioRun.window) that make a run's timings invalid. */
const INVALIDATING = /load core saturated|busy with other work/;

function failed(checks: Record<string, boolean>): string {
  return Object.entries(checks)
    .filter(([, v]) => !v)
    .map(([k]) => k)
    .join(', ');
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function renderTable(summaries: ScenarioSummary[], scenarios: Scenario[]): string {
  const lines: string[] = [];
  const rule = '-'.repeat(86);
  lines.push(rule);
  lines.push(`${pad('figure', 34)}${pad('A', 14, true)}${pad('B', 14, true)}${pad('B/A', 9, true)}  unit`);
  for (const s of summaries) {
    const def = scenarios.find((x) => x.id === s.id)!;
    const verdict = s.verdict.met === undefined ? 'n/a' : s.verdict.met ? 'MET' : 'MISSED';
    lines.push(rule);
    lines.push(`${s.id} ${s.title}`);
    lines.push(`   bar: ${s.bar} → ${verdict} (${s.verdict.detail})`);
    lines.push(`   A = ${s.systems.A}; B = ${s.systems.B}`);
    for (const f of s.figures) {
      const digits = def.figures.find((x) => x.key === f.key)?.digits ?? 0;
      lines.push(`   ${pad(f.label, 31)}${pad(fmt(f.A, digits), 14, true)}${pad(fmt(f.B, digits), 14, true)}${pad(fmt(f.ratio, 2), 9, true)}  ${f.unit}`);
    }
    for (const sys of ['A', 'B'] as const) {
      const bad = failed(s.checks[sys]);
      if (bad) lines.push(`   ! ${sys} checks failed: ${bad}`);
    }
    for (const e of s.errors) lines.push(`   ! error ${e.split('\n')[0]}`);
    for (const w of s.warnings.slice(0, 6)) lines.push(`   ! ${w}`);
    if (s.warnings.length > 6) lines.push(`   ! … ${s.warnings.length - 6} more warnings in the JSON`);
  }
  lines.push(rule);
  return lines.join('\n');
}

export function plotPanels(summaries: ScenarioSummary[], scenarios: Scenario[]): PlotPanel[] {
  return summaries.map((s) => {
    const def = scenarios.find((x) => x.id === s.id)!;
    const metric = (key: string) => {
      const f = s.figures.find((x) => x.key === key);
      return f ? { label: f.label, unit: f.unit, A: f.A, B: f.B } : undefined;
    };
    return { id: s.id, title: s.title.length > 44 ? `${s.title.slice(0, 42)}…` : s.title, throughput: metric(def.plot.throughput), latency: metric(def.plot.latency) };
  });
}

/** A figure for the docs table: thousands separated, the figure's digits, its unit. */
export function formatFigure(v: number | undefined, digits: number, unit: string): string {
  if (v === undefined) return 'n/a';
  const n = v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  if (!unit || unit === '/s') return n;
  return unit === '%' ? `${n} %` : `${n} ${unit}`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The results table of docs/performance.md: per scenario its headline figures (bare,
 * Herald, B/A), the bar and whether it was met, on the scenario's first row.
 */
export function renderMarkdown(summaries: ScenarioSummary[], scenarios: Scenario[]): string {
  const lines = ['| scenario | A (bare) | B (Herald) | B/A | bar | met? |', '|---|---|---|---|---|---|'];
  for (const s of summaries) {
    const def = scenarios.find((x) => x.id === s.id)!;
    const rows = def.headline ?? [def.plot.throughput, def.plot.latency].map((key) => ({ key, label: `${s.id} ${def.figures.find((f) => f.key === key)?.label ?? key}` }));
    const verdict = s.verdict.met === undefined ? 'not judged' : s.verdict.met ? 'yes' : 'no';
    rows.forEach((row, i) => {
      const f = s.figures.find((x) => x.key === row.key);
      const digits = def.figures.find((x) => x.key === row.key)?.digits ?? 0;
      const unit = f?.unit ?? '';
      const first = i === 0;
      lines.push(
        `| ${cell(row.label)} | ${formatFigure(f?.A, digits, unit)} | ${formatFigure(f?.B, digits, unit)} | ${f?.ratio === undefined ? 'n/a' : f.ratio.toFixed(2)} | ${first ? cell(s.bar) : ''} | ${first ? cell(`${verdict} — ${s.verdict.detail}`) : ''} |`,
      );
    });
  }
  return lines.join('\n');
}

export const DOCS_TABLE_START = '<!-- bench results table: start (generated by npm run bench -- --update-docs) -->';
export const DOCS_TABLE_END = '<!-- bench results table: end -->';

/** Replaces the generated block of a document (between the two markers) with `body`; throws when the markers are missing. */
export function replaceGenerated(doc: string, body: string): string {
  const start = doc.indexOf(DOCS_TABLE_START);
  const end = doc.indexOf(DOCS_TABLE_END);
  if (start < 0 || end < start) throw new Error('the document has no generated results block (its start and end markers)');
  return `${doc.slice(0, start + DOCS_TABLE_START.length)}\n${body}\n${doc.slice(end)}`;
}
