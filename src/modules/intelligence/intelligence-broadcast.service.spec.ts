import type { AppConfig } from '../../config';
import type { Transaction, UnitOfWork } from '../../core/realtime';
import type { CheckedCountry, CountryRepository, CountryWithBaseline, NewItem } from './country.repository';
import { BROADCAST_BATCH_SIZE, IntelligenceBroadcastService } from './intelligence-broadcast.service';
import type { IntelligencePublisher } from './intelligence.publisher';

const config = { intelligence: { broadcastIntervalMs: 30_000, economicChangePct: 5, populationChangePct: 2, vitalityDropPoints: 10 } } as AppConfig;

/** An in-memory CountryRepository holding `n` countries, recording the order of calls. */
function fakeRepository(n: number, changed: Set<number>) {
  const trace: string[] = [];
  const ids = Array.from({ length: n }, (_, i) => `c${String(i).padStart(6, '0')}`);
  const entries = new Map<string, CountryWithBaseline>(
    ids.map((id, i) => {
      const country: CheckedCountry = { id, name: id, gdp: changed.has(i) ? 1100 : 1000, population: 100, vitality: 50, economicTier: 'Developed' };
      return [id, { country, baseline: { gdp: 1000, population: 100, vitality: 50, economicTier: 'Developed', version: 0 } }];
    }),
  );
  let nextItemId = 1n;
  const repo = {
    page: jest.fn(async (after: string | undefined, size: number) => {
      const start = after === undefined ? 0 : ids.indexOf(after) + 1;
      const page = ids.slice(start, start + size).map((id) => entries.get(id)!);
      trace.push(`page:${page.length}`);
      return page;
    }),
    initialiseBaselines: jest.fn(async () => undefined),
    advanceBaseline: jest.fn(async (_tx: Transaction, countryId: string, version: number, next: unknown, items: NewItem[]) => {
      const entry = entries.get(countryId)!;
      if (entry.baseline!.version !== version) return null;
      entry.baseline = { ...(next as CountryWithBaseline['baseline'] & object), version: version + 1 };
      return items.map((item) => ({ ...item, id: nextItemId++, countryId, dedupeKey: null, createdAt: new Date() }));
    }),
  };
  return { repo, trace };
}

/**
 * A publisher staging a crossing's events on the fake transaction, and a UnitOfWork that
 * "commits" them (adds them to `sent`) only when its work succeeds. `failNext` makes the
 * next transaction fail before anything in it happens, as a dead event log would roll it back.
 */
function fakeTransactions() {
  const sent: string[] = [];
  let failNext = false;
  const publisher = {
    crossingIn: jest.fn((tx: Transaction & { staged: string[] }, _item: unknown, change: { figure: 'vitality' | 'economic' }) => {
      tx.staged.push('intelligence:update', 'intelligence:alert', change.figure === 'vitality' ? 'vitality:update' : 'economic:change');
    }),
  };
  const uow = {
    run: jest.fn(async (work: (tx: Transaction) => Promise<unknown>) => {
      if (failNext) {
        failNext = false;
        throw new Error('log down');
      }
      const tx = { staged: [] as string[] } as unknown as Transaction & { staged: string[] };
      const result = await work(tx);
      sent.push(...tx.staged);
      return result;
    }),
  };
  return { publisher, uow, sent, failOnce: () => (failNext = true) };
}

function serviceWith(repo: unknown, tx: ReturnType<typeof fakeTransactions>) {
  return new IntelligenceBroadcastService(repo as CountryRepository, tx.publisher as unknown as IntelligencePublisher, config, tx.uow as unknown as UnitOfWork);
}

describe('IntelligenceBroadcastService batching', () => {
  it('processes 10,000 countries in batches of at most 500, handing the event loop back between batches', async () => {
    const { repo, trace } = fakeRepository(10_000, new Set([0, 4_321, 9_999]));
    const tx = fakeTransactions();
    const { sent } = tx;
    const service = serviceWith(repo, tx);
    service.yieldToEventLoop = jest.fn(async () => void trace.push('yield'));

    const report = await service.run();

    expect(report).toMatchObject({ countries: 10_000, batches: 20, largestBatch: BROADCAST_BATCH_SIZE, yields: 20, crossings: 3 });
    // every full batch is followed by a yield before the next read: no stretch of work covers more than one batch
    expect(trace).toEqual([...Array.from({ length: 20 }, () => ['page:500', 'yield']).flat(), 'page:0']);
    expect(repo.page.mock.calls.every(([, size]) => size === BROADCAST_BATCH_SIZE)).toBe(true);
    expect(sent).toEqual(Array.from({ length: 3 }, () => ['intelligence:update', 'intelligence:alert', 'economic:change']).flat());
  });

  it('does not alert a crossing twice, even when two runs are asked for at once', async () => {
    const { repo } = fakeRepository(3, new Set([1]));
    const tx = fakeTransactions();
    const { sent } = tx;
    const service = serviceWith(repo, tx);
    const [a, b] = await Promise.all([service.run(), service.run()]);
    expect(a.crossings + b.crossings).toBe(1);
    expect(sent).toHaveLength(3);
  });

  it('keeps going past a failing country, then reports the run as failed; its baseline stays for the next run', async () => {
    const { repo } = fakeRepository(4, new Set([0, 2]));
    const tx = fakeTransactions();
    tx.failOnce(); // the first crossing's transaction fails: its baseline must not move without its alerts
    const service = serviceWith(repo, tx);
    await expect(service.run()).rejects.toThrow('1 countries failed; first: log down');
    expect(tx.sent.filter((e) => e === 'intelligence:alert')).toHaveLength(1);
    expect(service.last.report).toMatchObject({ countries: 4, failedCountries: 1, crossings: 1 });

    // The next run finds the failed country's crossing still there and alerts it now.
    const again = await service.run();
    expect(again).toMatchObject({ crossings: 1, failedCountries: 0 });
    expect(tx.sent.filter((e) => e === 'intelligence:alert')).toHaveLength(2);
  });

  it('stops between countries once its signal is aborted', async () => {
    const { repo } = fakeRepository(5, new Set([0, 1, 2, 3, 4]));
    const tx = fakeTransactions();
    const service = serviceWith(repo, tx);
    const abort = new AbortController();
    tx.publisher.crossingIn.mockImplementationOnce((t: Transaction & { staged: string[] }) => {
      t.staged.push('intelligence:update', 'intelligence:alert', 'economic:change');
      abort.abort(); // shutdown arrives while the first country is handled
    });
    const report = await service.run(abort.signal);
    expect(report.crossings).toBe(1);
    expect(repo.page).toHaveBeenCalledTimes(1);
  });
});
