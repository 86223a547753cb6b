import type { MetricsService } from '../observability/metrics.service';
import type { RedisService } from '../redis/redis.service';
import { DeliverySequencer, type SequencedNamespace } from './delivery-sequencer';
import type { EventLogService, RoutedEvent } from './event-log.service';

const routed = (offset: number, namespace = '/ws/a'): RoutedEvent => ({
  offset: String(offset),
  namespace,
  event: 'e',
  payload: {},
  createdAt: new Date(),
  rooms: ['r'],
});

describe('DeliverySequencer', () => {
  let logged: RoutedEvent[];
  let pruned: bigint;
  let delivered: number[];
  let resyncs: number;
  let sequencer: DeliverySequencer;
  const counter = () => ({ inc: jest.fn() });
  const metrics = { gapRepairs: counter(), gapRepairEvents: counter(), gapResyncs: counter() };

  beforeEach(async () => {
    logged = [];
    pruned = 0n;
    delivered = [];
    resyncs = 0;
    const log = {
      lastOffset: jest.fn(async () => '10'),
      prunedThrough: jest.fn(async () => pruned),
      readRange: jest.fn(async (after: bigint, limit: number) => logged.filter((e) => BigInt(e.offset) > after).slice(0, limit)),
    };
    const redis = { enabled: true, isHealthy: () => true };
    sequencer = new DeliverySequencer(log as unknown as EventLogService, metrics as unknown as MetricsService, redis as unknown as RedisService);
    const target: SequencedNamespace = {
      // a logged event read back goes through the same arrival path as a live one
      inject: (e) => sequencer.arrive(BigInt(e.offset), () => delivered.push(-Number(e.offset))),
      resyncAll: () => resyncs++,
    };
    sequencer.register('/ws/a', target);
    await sequencer.onApplicationBootstrap();
  });
  afterEach(() => sequencer.onModuleDestroy());

  const arrive = (offset: number) => sequencer.arrive(BigInt(offset), () => delivered.push(offset));

  it('delivers in offset order, holding an event until the ones before it arrive, and drops repeats', () => {
    arrive(11);
    arrive(13);
    arrive(12);
    arrive(12);
    arrive(11);
    expect(delivered).toEqual([11, 12, 13]);
    expect(sequencer.position).toBe(13n);
  });

  it('fills a gap from the log and skips offsets the log does not hold (they will never exist)', async () => {
    logged = [routed(12), routed(15)];
    arrive(15); // 11, 13, 14 never existed; 12 was lost in transit
    expect(delivered).toEqual([]);
    await sequencer.repair('hole');
    // 12 came from the log (negative marks a log delivery), 15 is the held live copy
    expect(delivered).toEqual([-12, 15]);
    expect(sequencer.position).toBe(15n);
    arrive(12);
    expect(delivered).toEqual([-12, 15]);
    expect(metrics.gapRepairEvents.inc).toHaveBeenCalledWith(1);
  });

  it('reads events nobody broadcast to this instance when polled, and skips other namespaces it does not serve', async () => {
    logged = [routed(11), routed(12, '/ws/elsewhere'), routed(13)];
    await sequencer.repair('reconnect');
    expect(delivered).toEqual([-11, -13]);
    expect(sequencer.position).toBe(13n);
  });

  it('tells every socket to resync when what it missed was removed by retention', async () => {
    pruned = 20n;
    logged = [routed(21)];
    await sequencer.repair('poll');
    expect(resyncs).toBe(1);
    expect(delivered).toEqual([-21]);
  });

  it('tells a waiter when the position reaches an offset, reading the log at once, or gives up after its time', async () => {
    logged = [routed(11), routed(12)];
    expect(await sequencer.reach(12n, 1_000)).toBe(true);
    expect(delivered).toEqual([-11, -12]);
    expect(await sequencer.reach(99n, 20)).toBe(false);
  });
});
