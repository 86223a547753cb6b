import { P1, P6 } from '../scenarios/fanout';
import { P7 } from '../scenarios/replay';
import { plotPanels, renderTable, summarizeSuite, type RunRecord } from './report';
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
