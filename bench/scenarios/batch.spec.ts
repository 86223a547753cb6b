import type { BatchReport } from '../load/http-publisher';
import type { WindowFigures } from './context';
import { figuresOf } from './batch';

const window = (overrides: Partial<WindowFigures> = {}): WindowFigures => ({
  wallMs: 2000,
  serverCpuPct: 50,
  serverGcPct: 10,
  eldP99Ms: 1,
  eldMaxMs: 2,
  serverCoreBusyPct: 55,
  loadCoreBusyPct: 90,
  serverCoreStealPct: 0,
  loadCoreStealPct: 0,
  loadProcCpuPct: 10,
  dbCpuPct: 80,
  ...overrides,
});

const report = (overrides: Partial<BatchReport> = {}): BatchReport => ({
  batches: 20,
  okBatches: 20,
  failedBatches: 0,
  routeMissing: false,
  itemsSent: 10_000,
  created: 10_000,
  duplicates: 0,
  rejected: 0,
  inconsistent: 0,
  elapsedMs: 2000,
  cpuMs: 150,
  batchMs: { count: 20, p50: 90, p99: 150, max: 160, mean: 95 },
  ...overrides,
});

describe('P9 window figures', () => {
  it('gives the server and PostgreSQL CPU per persisted event from their share of the window', () => {
    // 2 s at 50 % of a core = 1 s of server CPU for 10,000 events: 100 µs each; PostgreSQL 80 %: 160 µs.
    const f = figuresOf('intel', report(), window());
    expect(f.intelEventsPerSec).toBe(5000);
    expect(f.intelCpuUsPerEvent).toBeCloseTo(100);
    expect(f.intelDbCpuUsPerEvent).toBeCloseTo(160);
    // GC pauses for 10 % of the 2 s: 0.2 s over 10,000 events, 20 µs each.
    expect(f.intelGcUsPerEvent).toBeCloseTo(20);
    // The load generator's own 150 ms of CPU while sending, over 10,000 events: 15 µs each.
    expect(f.intelLoadCpuUsPerEvent).toBeCloseTo(15);
    expect(f.intelLoadCoreBusyPct).toBe(90);
  });

  it('leaves a per-event figure out when nothing was created or PostgreSQL was not measured', () => {
    expect(figuresOf('notif', report({ created: 0 }), window()).notifDbCpuUsPerEvent).toBeUndefined();
    expect(figuresOf('notif', report({ created: 0 }), window()).notifGcUsPerEvent).toBeUndefined();
    expect(figuresOf('notif', report(), window({ dbCpuPct: undefined })).notifDbCpuUsPerEvent).toBeUndefined();
  });
});
