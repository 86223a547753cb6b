import { worldTimeAt } from './campaign.repository';

describe('worldTimeAt', () => {
  const anchor = { worldTime: new Date('1400-01-01T00:00:00.000Z'), tickedAt: new Date('2026-01-01T00:00:00.000Z'), clockRate: 60 };

  it('advances a running clock by its rate from its anchor', () => {
    expect(worldTimeAt({ ...anchor, clockRunning: true }, new Date('2026-01-01T00:00:02.500Z')).toISOString()).toBe('1400-01-01T00:02:30.000Z');
  });

  it('leaves a stopped clock where it is, and never runs a clock backwards before its anchor', () => {
    expect(worldTimeAt({ ...anchor, clockRunning: false }, new Date('2026-06-01T00:00:00.000Z'))).toEqual(anchor.worldTime);
    expect(worldTimeAt({ ...anchor, clockRunning: true }, new Date('2025-12-31T23:00:00.000Z'))).toEqual(anchor.worldTime);
  });

  it('stops at the end of year 9999', () => {
    const late = { worldTime: new Date('9999-12-31T23:59:00.000Z'), tickedAt: new Date(0), clockRate: 1000, clockRunning: true };
    expect(worldTimeAt(late, new Date(3_600_000)).toISOString()).toBe('9999-12-31T23:59:59.999Z');
  });
});
