import { rssSettled } from './shipped';

describe('idle RSS settling', () => {
  it('needs the last four samples within 2 % of each other', () => {
    expect(rssSettled([300, 260, 250, 251, 250, 252])).toBe(true);
    expect(rssSettled([250, 251, 250])).toBe(false);
    expect(rssSettled([240, 250, 251, 250])).toBe(false);
    expect(rssSettled([100, 101], 2, 0.02)).toBe(true);
  });
});
