import { rssSettled, shippedNodeFlags } from './shipped';

describe('idle RSS settling', () => {
  it('needs the last four samples within 2 % of each other', () => {
    expect(rssSettled([300, 260, 250, 251, 250, 252])).toBe(true);
    expect(rssSettled([250, 251, 250])).toBe(false);
    expect(rssSettled([240, 250, 251, 250])).toBe(false);
    expect(rssSettled([100, 101], 2, 0.02)).toBe(true);
  });
});

describe('the shipped node flags', () => {
  it('are the words between node and dist/main.js in the start script', () => {
    expect(shippedNodeFlags('node dist/main.js')).toEqual([]);
    expect(shippedNodeFlags('node --liftoff-only dist/main.js')).toEqual(['--liftoff-only']);
    expect(shippedNodeFlags('node --liftoff-only --no-allocation-site-pretenuring dist/main.js')).toEqual(['--liftoff-only', '--no-allocation-site-pretenuring']);
  });

  it('refuse a start script of another shape rather than guess', () => {
    expect(() => shippedNodeFlags('tsx src/main.ts')).toThrow(/not "node \[flags\] dist\/main.js"/);
  });
});
