import { judgeP9, P9 } from '../scenarios/batch';
import { judgeP10 } from '../scenarios/embedded';
import { P1, P6 } from '../scenarios/fanout';
import { judgeP8 } from '../scenarios/http-fanout';
import { P7 } from '../scenarios/replay';
import { DOCS_TABLE_END, DOCS_TABLE_START, plotPanels, renderMarkdown, renderTable, replaceGenerated, summarizeSuite, type RunRecord } from './report';
import { renderSvg } from './svg';

const run = (scenario: 'P1' | 'P6' | 'P7', system: 'A' | 'B', repeat: number, figures: Record<string, number>, checks = {}): RunRecord => ({
  scenario,
  system,
  repeat,
  seconds: 1,
  result: { figures, checks, warnings: [] },
});

describe('suite summary', () => {
  const records = [
    run('P1', 'A', 1, { peakDeliveriesPerSec: 60_000, latencyP99Ms: 10 }),
    run('P1', 'B', 1, { peakDeliveriesPerSec: 55_000, latencyP99Ms: 12 }),
    run('P1', 'A', 2, { peakDeliveriesPerSec: 64_000, latencyP99Ms: 11 }),
    run('P1', 'B', 2, { peakDeliveriesPerSec: 57_000, latencyP99Ms: 14 }),
    run('P1', 'A', 3, { peakDeliveriesPerSec: 62_000, latencyP99Ms: 30 }),
    run('P1', 'B', 3, { peakDeliveriesPerSec: 56_000, latencyP99Ms: 13 }),
    run('P6', 'B', 1, { peakDeliveriesPerSec: 40_000, latencyP99Ms: 20 }),
  ];

  it('takes medians per system and the B/A ratio', () => {
    const [p1] = summarizeSuite([P1], records);
    const peak = p1.figures.find((f) => f.key === 'peakDeliveriesPerSec')!;
    expect(peak.A).toBe(62_000);
    expect(peak.B).toBe(56_000);
    expect(peak.ratio).toBeCloseTo(56 / 62);
    expect(peak.runs.B).toEqual([55_000, 57_000, 56_000]);
    expect(p1.verdict.met).toBe(true);
  });

  it('judges P6 against P1 of the same run', () => {
    const [, p6] = summarizeSuite([P1, P6], records);
    // 40k / 56k = 0.71 < 0.8
    expect(p6.verdict.met).toBe(false);
    expect(summarizeSuite([P6], records.slice(-1))[0].verdict.met).toBeUndefined();
  });

  it('fails a bar whose timing passes when a delivery or order check failed', () => {
    const [p7] = summarizeSuite([P7], [run('P7', 'B', 1, { catchUpMs: 900, caughtUp: 1000 }, { allCaughtUp: true, inOrder: false })]);
    expect(p7.verdict.met).toBe(false);
    expect(p7.verdict.detail).toMatch(/inOrder/);
  });

  it('renders one table and a plot naming every scenario', () => {
    const scenarios = [P1, P6];
    const summaries = summarizeSuite(scenarios, records);
    const table = renderTable(summaries, scenarios);
    expect(table).toMatch(/P1 one room/);
    expect(table).toMatch(/peak deliveries\/s\s+62000\s+56000\s+0\.90/);
    const svg = renderSvg(plotPanels(summaries, scenarios), 'test <host>');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('P6');
    expect(svg).toContain('test &lt;host&gt;');
  });
});

describe('busy machine', () => {
  it('does not judge timings from a window where the machine was busy', () => {
    const busy: RunRecord = {
      scenario: 'P1',
      system: 'B',
      repeat: 1,
      seconds: 1,
      result: { figures: { peakDeliveriesPerSec: 70_000 }, checks: {}, warnings: ['the server core was 60 % busy with other work'] },
    };
    const [p1] = summarizeSuite([P1], [busy]);
    expect(p1.verdict.met).toBeUndefined();
    expect(p1.verdict.detail).toMatch(/machine was busy/);
  });
});

describe('docs table', () => {
  it('renders one row per headline figure with the bar and verdict on the first', () => {
    const records = [
      run('P1', 'A', 1, { peakDeliveriesPerSec: 60_000, latencyP99Ms: 10 }),
      run('P1', 'B', 1, { peakDeliveriesPerSec: 180_000, latencyP99Ms: 12.25 }),
    ];
    const md = renderMarkdown(summarizeSuite([P1], records), [P1]).split('\n');
    expect(md[0]).toBe('| scenario | A (bare) | B (Herald) | B/A | bar | met? |');
    expect(md[2]).toBe('| P1 peak deliveries/s, 1 room × 1,000 | 60,000 | 180,000 | 3.00 | delivered/s ≥ 0.9 × A, and ≥ 50 k/s | yes — B 180000/s, B/A 3.00 |');
    expect(md[3]).toMatch(/^\| P1 latency p99 at 20 k deliveries\/s \| 10\.0 ms \| 12\.3 ms \| 1\.23 \|  \|  \|$/);
  });

  it('judges P8 against A of the same run', () => {
    const a = { p99At20Ms: 10, p99At40Ms: 40, deliveriesAt200: 80_000 };
    expect(judgeP8({ p99At20Ms: 29, p99At40Ms: 60, deliveriesAt200: 120_000 }, a).met).toBe(true);
    // 30 ms floor at 20/s holds, but 61 > 1.5 × 40 at 40/s.
    expect(judgeP8({ p99At20Ms: 29, p99At40Ms: 61, deliveriesAt200: 200_000 }, a).met).toBe(false);
    expect(judgeP8({ p99At20Ms: 5, p99At40Ms: 5, deliveriesAt200: 119_999 }, a).met).toBe(false);
    expect(judgeP8({ p99At20Ms: 5, p99At40Ms: 5, deliveriesAt200: 1 }, {}).met).toBeUndefined();
  });

  it('judges P9 on every batch route, and a missing route as missed', () => {
    expect(judgeP9({ intelEventsPerSec: 25_000, notifEventsPerSec: 21_000 }).met).toBe(true);
    expect(judgeP9({ intelEventsPerSec: 25_000, notifEventsPerSec: 19_000 }).met).toBe(false);
    const missing = judgeP9({ intelRouteMissing: 1, notifRouteMissing: 1 });
    expect(missing.met).toBe(false);
    expect(missing.detail).toMatch(/route missing/);
    // A missing route is not a timing: a busy machine does not turn it into "not judged".
    const busy: RunRecord = {
      scenario: 'P9',
      system: 'B',
      repeat: 1,
      seconds: 1,
      result: { figures: { intelRouteMissing: 1, notifRouteMissing: 1 }, checks: {}, warnings: ['the server core was 60 % busy with other work'] },
    };
    expect(summarizeSuite([P9], [busy])[0].verdict.met).toBe(false);
  });

  it('judges P10 on the larger idle RSS and the peak against A', () => {
    expect(judgeP10({ idleRssFirstMb: 200, idleRssRestartMb: 240, peakDeliveriesPerSec: 90_000 }, { peakDeliveriesPerSec: 100_000 }).met).toBe(true);
    expect(judgeP10({ idleRssFirstMb: 260, idleRssRestartMb: 240, peakDeliveriesPerSec: 90_000 }, { peakDeliveriesPerSec: 100_000 }).met).toBe(false);
    expect(judgeP10({ idleRssFirstMb: 200, idleRssRestartMb: 200, peakDeliveriesPerSec: 89_000 }, { peakDeliveriesPerSec: 100_000 }).met).toBe(false);
  });

  it('replaces only the generated block of a document', () => {
    const doc = `intro\n${DOCS_TABLE_START}\nold table\n${DOCS_TABLE_END}\nnotes\n`;
    expect(replaceGenerated(doc, 'new table')).toBe(`intro\n${DOCS_TABLE_START}\nnew table\n${DOCS_TABLE_END}\nnotes\n`);
    expect(() => replaceGenerated('no markers', 'x')).toThrow(/markers/);
  });
});
