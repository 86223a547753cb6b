import type { AppConfig } from '../../config';
import { MetricsService } from '../observability/metrics.service';
import type { PrismaService } from '../prisma/prisma.service';
import { distinct, EventLogService } from './event-log.service';

function serviceWithQueries() {
  const query = jest.fn(async (text: string, params?: unknown[]) => {
    if (text.includes('pruned_through')) return [{ pruned_through: '7' }];
    return [{ seq: String(Number(params?.[2]) + 1), event: 'e', payload: '{"n":1}', created_at: new Date(0) }];
  });
  const prisma = { sql: { query } } as unknown as PrismaService;
  return { log: new EventLogService(prisma, { eventRetentionHours: 72 } as AppConfig), query };
}

describe('EventLogService reads during a reconnect storm', () => {
  it('shares one query among identical reads asked for in the same turn', async () => {
    const { log, query } = serviceWithQueries();
    const reads = await Promise.all([
      log.readAfter('/ns', ['b', 'a'], '10', 500),
      log.readAfter('/ns', ['a', 'b'], '10', 500),
      log.readAfter('/ns', ['a', 'b'], '10', 500),
    ]);
    expect(query).toHaveBeenCalledTimes(1);
    expect(reads.map((r) => r[0].offset)).toEqual(['11', '11', '11']);
  });

  it('queries again for a different offset, room set or limit, and for a later turn', async () => {
    const { log, query } = serviceWithQueries();
    await Promise.all([log.readAfter('/ns', ['a'], '10', 500), log.readAfter('/ns', ['a'], '11', 500), log.readAfter('/ns', ['a', 'c'], '10', 500)]);
    expect(query).toHaveBeenCalledTimes(3);
    await log.readAfter('/ns', ['a'], '10', 500);
    expect(query).toHaveBeenCalledTimes(4);
  });

  it('sends the shared query only after every sharer asked (so it sees all they missed)', async () => {
    const { log, query } = serviceWithQueries();
    const first = log.readAfter('/ns', ['a'], '10', 500);
    expect(query).not.toHaveBeenCalled();
    const second = log.readAfter('/ns', ['a'], '10', 500);
    await Promise.all([first, second]);
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('keeps a full page (final: nothing can be inserted below a visible offset) for later readers', async () => {
    const { log, query } = serviceWithQueries();
    const first = await log.readAfter('/ns', ['a'], '10', 1);
    const later = await log.readAfter('/ns', ['a'], '10', 1);
    expect(query).toHaveBeenCalledTimes(1);
    expect(later).toBe(first);
  });

  it('does not keep a page that came back short (newer events may still arrive)', async () => {
    const { log, query } = serviceWithQueries();
    await log.readAfter('/ns', ['a'], '10', 2);
    await log.readAfter('/ns', ['a'], '10', 2);
    expect(query).toHaveBeenCalledTimes(2);
  });

  it('shares the pruned-through read the same way', async () => {
    const { log, query } = serviceWithQueries();
    const values = await Promise.all([log.prunedThrough(), log.prunedThrough()]);
    expect(values).toEqual([7n, 7n]);
    expect(query).toHaveBeenCalledTimes(1);
  });
});

describe('distinct rooms of an appended event', () => {
  it('hands back the same array when no room repeats', () => {
    const rooms = ['all', 'economic', 'country:c1'];
    expect(distinct(rooms)).toBe(rooms);
    expect(distinct([])).toEqual([]);
  });

  it('drops repeats, keeping first-seen order, short lists and long alike', () => {
    expect(distinct(['a', 'b', 'a', 'c', 'b'])).toEqual(['a', 'b', 'c']);
    const long = Array.from({ length: 40 }, (_, i) => `r${i % 20}`);
    expect(distinct(long)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
  });
});

describe('round trips of the event log', () => {
  it('times each append of plain publishes and each claim, and leaves a failed one out', async () => {
    let failNext = false;
    const query = jest.fn(async (text: string) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      return text.startsWith('DELETE FROM event_outbox_runs') ? [{ last_seq: '1' }] : [{ before_seq: '0', skipped: [] }];
    });
    const metrics = new MetricsService();
    const config = { eventRetentionHours: 72, faults: {} } as AppConfig;
    const log = new EventLogService({ sql: { query } } as unknown as PrismaService, config, metrics);
    const count = async (statement: string) =>
      (await metrics.eventLogRoundTrip.get()).values.find((v) => v.metricName === 'herald_event_log_round_trip_seconds_count' && v.labels.statement === statement)?.value ?? 0;

    const event = { namespace: '/ns', event: 'e', rooms: ['r'], payload: {} };
    await expect(log.appendMany([event, { ...event }])).resolves.toHaveLength(2);
    expect(await count('append')).toBe(1); // one statement for the two
    expect(await count('claim')).toBe(1);
    failNext = true;
    await expect(log.append(event)).rejects.toThrow('connection lost');
    expect(await count('append')).toBe(1);
    expect(await count('claim')).toBe(1);
  });
});
