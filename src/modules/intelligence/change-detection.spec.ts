import { assessChange, priorityOf, type Figures } from './change-detection';

const thresholds = { economicChangePct: 5, populationChangePct: 2, vitalityDropPoints: 10 };
const base: Figures = { gdp: 1_000_000, population: 10_000_000, vitality: 80, economicTier: 'Developed' };

describe('assessChange', () => {
  it('ignores changes below every threshold and leaves the baseline alone', () => {
    const r = assessChange({ gdp: 1_049_000, population: 10_190_000, vitality: 71, economicTier: 'Developed' }, base, thresholds);
    expect(r.crossings).toEqual([]);
    expect(r.baselineMoved).toBe(false);
    expect(r.nextBaseline).toEqual(base);
  });

  it('alerts a GDP change of exactly the threshold, either direction, with previous, current and delta', () => {
    const up = assessChange({ ...base, gdp: 1_050_000 }, base, thresholds);
    expect(up.crossings).toEqual([{ figure: 'gdp', previous: 1_000_000, current: 1_050_000, delta: 50_000, deltaPct: 5, threshold: 5 }]);
    expect(up.nextBaseline.gdp).toBe(1_050_000);
    const down = assessChange({ ...base, gdp: 900_000 }, base, thresholds);
    expect(down.crossings[0]).toMatchObject({ figure: 'gdp', delta: -100_000, deltaPct: -10 });
  });

  it('alerts population at 2 % and vitality drops of 10 points, not rises', () => {
    const r = assessChange({ ...base, population: 9_800_000, vitality: 70 }, base, thresholds);
    expect(r.crossings.map((c) => c.figure)).toEqual(['population', 'vitality']);
    expect(r.crossings[1]).toMatchObject({ previous: 80, current: 70, delta: -10, threshold: 10 });
    const rise = assessChange({ ...base, vitality: 99 }, base, thresholds);
    expect(rise.crossings).toEqual([]);
    // the baseline follows the rise, so a later drop is measured from the high point
    expect(rise.nextBaseline.vitality).toBe(99);
    expect(rise.baselineMoved).toBe(true);
  });

  it('does not alert the same crossing twice once the baseline has moved', () => {
    const first = assessChange({ ...base, gdp: 1_100_000 }, base, thresholds);
    expect(first.crossings).toHaveLength(1);
    const again = assessChange({ ...base, gdp: 1_100_000 }, first.nextBaseline, thresholds);
    expect(again.crossings).toEqual([]);
    expect(again.baselineMoved).toBe(false);
  });

  it('adds up slow drift until it crosses', () => {
    let baseline = base;
    const alerts: number[] = [];
    for (let gdp = 1_010_000; gdp <= 1_060_000; gdp += 10_000) {
      const r = assessChange({ ...base, gdp }, baseline, thresholds);
      if (r.crossings.length) alerts.push(gdp);
      baseline = r.nextBaseline;
    }
    expect(alerts).toEqual([1_050_000]);
  });

  it('treats a tier change and a move away from zero as crossings', () => {
    expect(assessChange({ ...base, economicTier: 'Strong' }, base, thresholds).crossings[0]).toMatchObject({ figure: 'economicTier', previous: 'Developed', current: 'Strong' });
    expect(assessChange({ ...base, gdp: 5 }, { ...base, gdp: 0 }, thresholds).crossings[0]).toMatchObject({ figure: 'gdp', deltaPct: null });
  });

  it('ranks priorities by how far past the threshold a change went', () => {
    const [gdp] = assessChange({ ...base, gdp: 1_200_000 }, base, thresholds).crossings;
    expect(priorityOf(gdp)).toBe('high');
    const [vitality] = assessChange({ ...base, vitality: 50 }, base, thresholds).crossings;
    expect(priorityOf(vitality)).toBe('critical');
  });
});
