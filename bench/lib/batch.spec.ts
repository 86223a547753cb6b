import { batchTally } from './batch';

const ok = (statuses: string[], totals?: Partial<Record<'created' | 'duplicates' | 'rejected', number>>) => ({
  status: 200,
  body: JSON.stringify({
    results: statuses.map((status, index) => ({ index, status, ...(status === 'rejected' ? { code: 'bad_request', message: 'title: Required' } : {}) })),
    created: totals?.created ?? statuses.filter((s) => s === 'created').length,
    duplicates: totals?.duplicates ?? statuses.filter((s) => s === 'duplicate').length,
    rejected: totals?.rejected ?? statuses.filter((s) => s === 'rejected').length,
  }),
});

describe('batchTally', () => {
  it('counts created items from the per-item results, not from what was sent', () => {
    const t = batchTally([ok(['created', 'created', 'duplicate']), ok(['created', 'rejected'])], 5);
    expect(t).toMatchObject({ batches: 2, okBatches: 2, itemsSent: 5, created: 3, duplicates: 1, rejected: 1, inconsistent: 0, routeMissing: false });
    expect(t.firstError).toMatch(/rejected: bad_request title: Required/);
  });

  it('flags a response whose totals disagree with its results', () => {
    expect(batchTally([ok(['created'], { created: 2 })], 1).inconsistent).toBe(1);
  });

  it('says the route is missing when every batch is answered 404', () => {
    const t = batchTally([{ status: 404, body: 'Cannot POST' }], 500, '/api/x/batch');
    expect(t.routeMissing).toBe(true);
    expect(t.created).toBe(0);
    expect(t.firstError).toMatch(/route missing: POST \/api\/x\/batch/);
  });

  it('counts failed and unreadable batches as failed', () => {
    const t = batchTally([{ status: 500, body: 'boom' }, { status: 200, body: 'not json' }, { status: 200, body: '{}' }, ok(['created'])], 4);
    expect(t).toMatchObject({ failedBatches: 3, okBatches: 1, created: 1, routeMissing: false });
  });
});
