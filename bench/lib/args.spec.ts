import { ALL_SCENARIOS, parseArgs, schedule } from './args';

describe('bench options', () => {
  it('defaults to every scenario, both systems and three repeats', () => {
    expect(parseArgs([])).toMatchObject({ scenarios: ALL_SCENARIOS, systems: ['A', 'B'], repeats: 3, quick: false });
  });

  it('takes a single quick scenario with one repeat', () => {
    expect(parseArgs(['--scenario', 'p1', '--quick'])).toMatchObject({ scenarios: ['P1'], repeats: 1, quick: true });
    expect(parseArgs(['--scenario=P2,P7', '--repeats', '5'])).toMatchObject({ scenarios: ['P2', 'P7'], repeats: 5 });
  });

  it('refuses what it does not know', () => {
    expect(() => parseArgs(['--scenario', 'P11'])).toThrow(/unknown scenario/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option/);
    expect(() => parseArgs(['--repeats', '0'])).toThrow(/repeats/);
    expect(() => parseArgs(['--systems', 'C'])).toThrow(/systems/);
  });

  it('knows the second-round scenarios', () => {
    expect(parseArgs(['--scenario', 'p8,P9', '--scenario', 'p10']).scenarios).toEqual(['P8', 'P9', 'P10']);
  });

  it('makes the reference run one option: everything, three repeats, docs rewritten', () => {
    expect(parseArgs(['--reference'])).toMatchObject({ scenarios: ALL_SCENARIOS, repeats: 3, quick: false, reference: true, updateDocs: true });
    expect(() => parseArgs(['--reference', '--quick'])).toThrow(/reference/);
    expect(() => parseArgs(['--reference', '--scenario', 'P1'])).toThrow(/reference/);
  });

  it('profiles CPU or allocations, not both at once', () => {
    expect(parseArgs(['--alloc-profile'])).toMatchObject({ allocProfile: true, profile: false });
    expect(parseArgs(['--profile'])).toMatchObject({ allocProfile: false, profile: true });
    expect(parseArgs(['--retained-profile'])).toMatchObject({ allocProfile: false, retainedProfile: true, profile: false });
    expect(() => parseArgs(['--profile', '--alloc-profile'])).toThrow(/one at a time/);
    expect(() => parseArgs(['--alloc-profile', '--retained-profile'])).toThrow(/one at a time/);
  });

  it('alternates systems within each repeat: A B A B A B', () => {
    expect(schedule(3, ['A', 'B']).map((s) => `${s.system}${s.repeat}`)).toEqual(['A1', 'B1', 'A2', 'B2', 'A3', 'B3']);
  });
});
