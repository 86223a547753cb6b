import { coreBusyPct, coreStealPct, hostStealPct, parseCoreTimes, parseParentPid, parseProcStatTicks, parseVmRssBytes } from './proc';

describe('/proc parsing', () => {
  it('sums utime and stime even when the command name holds spaces and parentheses', () => {
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 300 0 0';
    expect(parseProcStatTicks(stat)).toBe(325);
  });

  it('computes per-core busy percentages between two readings', () => {
    const before = parseCoreTimes('cpu  1 1 1 1\ncpu0 100 0 100 800 0 0 0 0\ncpu1 0 0 0 1000 0 0 0 0\n');
    const after = parseCoreTimes('cpu  1 1 1 1\ncpu0 150 0 150 900 0 0 0 0\ncpu1 0 0 10 1090 0 0 0 0\n');
    const busy = coreBusyPct(before, after);
    expect(busy[0]).toBeCloseTo(50);
    expect(busy[1]).toBeCloseTo(10);
  });

  it('counts steal as busy time, and reports it per core and for the host', () => {
    // cpu0: 40 ticks of our work and 60 taken by the hypervisor out of 200; cpu1: idle, no steal.
    const before = parseCoreTimes('cpu0 100 0 100 800 0 0 0 50\ncpu1 0 0 0 1000 0 0 0 0\n');
    const after = parseCoreTimes('cpu0 140 0 100 900 0 0 0 110\ncpu1 0 0 0 1200 0 0 0 0\n');
    expect(coreBusyPct(before, after)[0]).toBeCloseTo(50);
    expect(coreStealPct(before, after)).toEqual([30, 0]);
    expect(hostStealPct(before, after)).toBeCloseTo(15);
  });
});

describe('process tree', () => {
  it('reads the parent pid', () => {
    expect(parseParentPid('77 (postgres: bench (x)) S 42 77 77 0')).toBe(42);
  });
});

describe('resident memory', () => {
  it('reads VmRSS from /proc/<pid>/status', () => {
    expect(parseVmRssBytes('Name:\tnode\nVmPeak:\t  900000 kB\nVmRSS:\t  183256 kB\nRssAnon:\t 1 kB\n')).toBe(183256 * 1024);
    expect(parseVmRssBytes('Name:\tzombie\n')).toBeUndefined();
  });
});
