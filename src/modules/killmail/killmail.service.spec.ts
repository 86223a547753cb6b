import type { AppConfig } from '../../config';
import { DomainError } from '../../core/errors';
import type { SqlTransaction, UnitOfWork } from '../../core/realtime';
import type { Killmail } from '../../generated/prisma/client';
import type { KillmailMetrics } from './killmail.metrics';
import type { KillmailPublisher } from './killmail.publisher';
import type { KillmailRepository } from './killmail.repository';
import { KillmailService } from './killmail.service';

const esi = {
  killmail_id: 42,
  killmail_time: '2024-10-22T10:30:00Z',
  solar_system_id: 30000142,
  victim: { character_id: 7, corporation_id: 8, ship_type_id: 587 },
  attackers: [{ character_id: 9, alliance_id: 10, final_blow: true }],
  zkb: { totalValue: 2_500_000 },
};

/** The stored row as the repository returns it. */
function row(offset: string | null): Killmail {
  return {
    killmailId: 42n,
    killmailTime: new Date('2024-10-22T10:30:00.000Z'),
    solarSystemId: 30000142n,
    victimCharacterId: 7n,
    victimCorporationId: 8n,
    victimAllianceId: null,
    victimShipTypeId: 587n,
    attackerCount: 1,
    attackers: [],
    zkb: { totalValue: 2_500_000 },
    totalValue: 2_500_000,
    publishedOffset: offset === null ? null : BigInt(offset),
    publishedAt: null,
    receivedAt: new Date(),
  };
}

function setup(stored: { offset: string | null; created: boolean }, publishes: boolean) {
  const repository = {
    insertIfAbsent: jest.fn().mockResolvedValue({ killmail: row(stored.offset), created: stored.created }),
    markPublished: jest.fn().mockResolvedValue(undefined),
  };
  const publisher = {
    killmailIn: jest.fn(() => ({ published: Promise.resolve(publishes ? { offset: '77', frame: Buffer.from('') } : undefined) })),
  };
  const metrics = { ingested: { inc: jest.fn() } };
  // The transaction is the repository's and publisher's business; here a token passed through.
  const tx = {} as SqlTransaction;
  const uow = { runSql: jest.fn((work: (t: SqlTransaction) => Promise<unknown>) => work(tx)) };
  const service = new KillmailService(
    repository as unknown as KillmailRepository,
    publisher as unknown as KillmailPublisher,
    metrics as unknown as KillmailMetrics,
    uow as unknown as UnitOfWork,
    { killmailRouting: { maxParties: 500, maxRooms: 1500 } } as AppConfig,
  );
  return { service, repository, publisher };
}

describe('KillmailService.ingest', () => {
  it('stores, publishes to the rooms of the victim and attackers (and value band), and records the offset', async () => {
    const { service, repository, publisher } = setup({ offset: null, created: true }, true);
    const result = await service.ingestRaw(esi, 'http');
    expect(result).toMatchObject({ duplicate: false, killmail: { offset: '77' } });
    const [, data, zkb, rooms] = publisher.killmailIn.mock.calls[0] as unknown as [unknown, unknown, unknown, string[]];
    expect(data).toEqual({
      killmailId: 42,
      timestamp: '2024-10-22T10:30:00.000Z',
      victimId: 7,
      victimCorporationId: 8,
      victimAllianceId: null,
      systemId: 30000142,
      shipTypeId: 587,
      attackerCount: 1,
    });
    expect(zkb).toEqual({ totalValue: 2_500_000 });
    expect(rooms).toEqual(expect.arrayContaining(['killstream', 'character:7', 'corporation:8', 'ship:587', 'system:30000142', 'killstream|band:2000000']));
    expect(repository.markPublished).toHaveBeenCalledWith(42, '77');
  });

  it('sends nothing for a killmail already published', async () => {
    const { service, publisher, repository } = setup({ offset: '5', created: false }, true);
    expect(await service.ingestRaw(esi, 'upstream')).toMatchObject({ duplicate: true });
    expect(publisher.killmailIn).not.toHaveBeenCalled();
    expect(repository.markPublished).not.toHaveBeenCalled();
  });

  it('publishes a killmail stored without its event (by a version before the outbox), answering as a repeat', async () => {
    const { service, publisher, repository } = setup({ offset: null, created: false }, true);
    expect(await service.ingestRaw(esi, 'upstream')).toMatchObject({ duplicate: true, killmail: { offset: '77' } });
    expect(publisher.killmailIn).toHaveBeenCalledTimes(1);
    expect(repository.markPublished).toHaveBeenCalledWith(42, '77');
  });

  it('reports a duplicate when another request won the publish race', async () => {
    const { service, repository } = setup({ offset: null, created: false }, false);
    expect(await service.ingestRaw(esi, 'http')).toMatchObject({ duplicate: true });
    expect(repository.markPublished).not.toHaveBeenCalled();
  });

  it('answers new to the request that stored the killmail even when a concurrent repeat won the publish', async () => {
    const { service, repository } = setup({ offset: null, created: true }, false);
    expect(await service.ingestRaw(esi, 'http')).toMatchObject({ duplicate: false });
    expect(repository.markPublished).not.toHaveBeenCalled();
  });

  it('refuses an invalid killmail before touching storage', async () => {
    const { service, repository } = setup({ offset: null, created: true }, true);
    await expect(service.ingestRaw({ ...esi, solar_system_id: 0 }, 'http')).rejects.toThrow(DomainError);
    await expect(service.ingestRaw({ ...esi, solar_system_id: 0 }, 'http')).rejects.toThrow(/solar_system_id/);
    expect(repository.insertIfAbsent).not.toHaveBeenCalled();
  });
});
