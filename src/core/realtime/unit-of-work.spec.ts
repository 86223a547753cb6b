import type { PrismaService } from '../prisma/prisma.service';
import type { AppendRequest, AppendResult, EventLogService } from './event-log.service';
import { UnitOfWork } from './unit-of-work';

/**
 * UnitOfWork alone, over a fake driver and event log: what a staged event's `published`
 * resolves with after the commit. (The real transaction, append and claim are covered by the
 * outbox tests against PostgreSQL.)
 */
describe('UnitOfWork staged events', () => {
  function unitOfWork(results: AppendResult[], claimed: string[]) {
    const prisma = {
      sql: { transaction: <T>(work: (q: { query: () => Promise<[]> }) => Promise<T>) => work({ query: async () => [] }) },
    } as unknown as PrismaService;
    const eventLog = {
      appendWithin: async (_run: unknown, requests: AppendRequest[]) => results.slice(0, requests.length),
      claim: async () => new Set(claimed),
      afterCommit: () => undefined,
    } as unknown as EventLogService;
    return new UnitOfWork(prisma, eventLog);
  }
  const request = (n: number): AppendRequest => ({ namespace: '/ws/test', event: `e${n}`, rooms: ['r'], payload: { n } });

  it('resolves with the offset, or with what `settled` makes of it, after the emit', async () => {
    const order: string[] = [];
    const uow = unitOfWork(
      [
        { offset: '11', duplicate: false },
        { offset: '12', duplicate: false },
      ],
      ['11', '12'],
    );
    const [plain, mapped] = await uow.runSql(async (tx) => [
      tx.stage(request(1), (offset) => order.push(`emit ${offset}`)),
      tx.stage(
        request(2),
        (offset) => order.push(`emit ${offset}`),
        (offset) => (order.push(`settled ${offset}`), { offset, n: 2 }),
      ),
    ]);
    await expect(plain.published).resolves.toBe('11');
    await expect(mapped.published).resolves.toEqual({ offset: '12', n: 2 });
    expect(order).toEqual(['emit 11', 'emit 12', 'settled 12']);
  });

  it('settles an event the relay claimed first without emitting it, and a repeated key with undefined', async () => {
    const emitted: string[] = [];
    const settled: string[] = [];
    const uow = unitOfWork(
      [
        { offset: '21', duplicate: false },
        { offset: '7', duplicate: true },
      ],
      [],
    );
    const [taken, repeat] = await uow.runSql(async (tx) =>
      [request(1), request(2)].map((r) =>
        tx.stage(
          r,
          (offset) => emitted.push(offset),
          (offset) => (settled.push(offset), offset),
        ),
      ),
    );
    await expect(taken.published).resolves.toBe('21');
    await expect(repeat.published).resolves.toBeUndefined();
    expect(emitted).toEqual([]);
    expect(settled).toEqual(['21']);
  });

  it('rejects only the event whose `settled` throws; the others still resolve', async () => {
    const uow = unitOfWork(
      [
        { offset: '31', duplicate: false },
        { offset: '32', duplicate: false },
      ],
      ['31', '32'],
    );
    const [broken, fine] = await uow.runSql(async (tx) => [
      tx.stage(
        request(1),
        () => undefined,
        () => {
          throw new Error('cannot say');
        },
      ),
      tx.stage(request(2), () => undefined),
    ]);
    await expect(broken.published).rejects.toThrow('cannot say');
    await expect(fine.published).resolves.toBe('32');
  });
});
