import type { Principal } from '../../core/auth';
import type { AppConfig } from '../../config';
import type { Transaction, UnitOfWork } from '../../core/realtime';
import type { CampaignMembershipService } from './campaign-membership.service';
import type { CampaignPublisher } from './campaign.publisher';
import type { CampaignRepository } from './campaign.repository';
import { LastOwnerError } from './last-owner.error';
import { CampaignService, type Actor } from './campaign.service';

const principal = (userId: string): Principal => ({ userId, roles: [], expiresAt: undefined });
const actor = (userId: string): Actor => ({ principal: principal(userId), correlationId: 'corr-1', source: 'http' });

describe('CampaignService', () => {
  const calls: string[] = [];
  const repo = {
    roleOf: jest.fn(async (_c: string, u: string) => (u === 'own' ? 'owner' : u === 'pl' ? 'player' : null)),
    removeMember: jest.fn(async (): Promise<{ memberSince: Date } | null> => {
      calls.push('removed');
      return { memberSince: new Date(5) };
    }),
    contentIds: jest.fn(async () => ({ settlementIds: ['s1'], structureIds: ['t1', 't2'] })),
    anyClockDue: jest.fn(async () => true),
    reanchorDueClocks: jest.fn(),
    changeClock: jest.fn(),
    lockCampaign: jest.fn(async (_tx: Transaction, id: string) => ({
      id,
      name: 'n',
      worldTime: new Date(0),
      clockRunning: false,
      clockRate: 1,
      tickedAt: new Date(0),
      createdBy: 'own',
      createdAt: new Date(0),
      updatedAt: new Date(0),
    })),
  };
  const membership = { authorize: jest.fn(async () => undefined) };
  const publisher = {
    revokeMemberIn: jest.fn(() => {
      calls.push('revoked');
    }),
    entityUpdatedIn: jest.fn(() => {
      calls.push('entity_updated');
    }),
    worldTimeChangedIn: jest.fn(),
  };
  // The transaction is the repository's and publisher's business; here a token passed through.
  const tx = {} as Transaction;
  const uow = {
    run: jest.fn(async (work: (t: Transaction) => Promise<unknown>) => {
      const result = await work(tx);
      calls.push('committed');
      return result;
    }),
    runSql: jest.fn((work: (t: Transaction) => Promise<unknown>) => work(tx)),
  };
  const config = { quotas: { runningClocksPerUser: 3 }, worldClockBroadcastSeconds: 60 } as AppConfig;
  const service = new CampaignService(
    repo as unknown as CampaignRepository,
    membership as unknown as CampaignMembershipService,
    publisher as unknown as CampaignPublisher,
    uow as unknown as UnitOfWork,
    config,
  );

  beforeEach(() => {
    calls.length = 0;
    jest.clearAllMocks();
  });

  it("records the revocation of every room of the campaign, then the event, in the removal's transaction", async () => {
    await expect(service.removeMember(actor('own'), 'c1', 'pl')).resolves.toEqual({
      campaignId: 'c1',
      userId: 'pl',
      removed: true,
    });
    expect(repo.contentIds).toHaveBeenCalledWith(tx, 'c1');
    expect(publisher.revokeMemberIn).toHaveBeenCalledWith(
      tx,
      'c1',
      'pl',
      ['campaign:c1', 'settlement:s1', 'structure:t1', 'structure:t2'],
      'c1:member-removed:pl:5:revoke',
    );
    expect(calls).toEqual(['removed', 'revoked', 'entity_updated', 'committed']);
    expect(publisher.entityUpdatedIn).toHaveBeenCalledWith(
      tx,
      expect.objectContaining({
        changedFields: ['members'],
        metadata: { userId: 'own', source: 'http', correlationId: 'corr-1' },
      }),
      'c1:member-removed:pl:5',
    );
  });

  it('lets a member leave without the manage permission, and refuses the last owner', async () => {
    await service.removeMember(actor('pl'), 'c1', 'pl');
    expect(membership.authorize).not.toHaveBeenCalled();
    repo.removeMember.mockRejectedValueOnce(new LastOwnerError());
    await expect(service.removeMember(actor('own'), 'c1', 'own')).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.removeMember(actor('own'), 'c1', 'nobody')).rejects.toMatchObject({ code: 'not_found' });
    repo.removeMember.mockResolvedValueOnce(null); // gone meanwhile: nothing recorded, nothing announced
    publisher.revokeMemberIn.mockClear();
    await expect(service.removeMember(actor('own'), 'c1', 'pl')).rejects.toMatchObject({ code: 'not_found' });
    expect(publisher.revokeMemberIn).not.toHaveBeenCalled();
  });

  const clock = (id: string, running = true) => ({
    previousTime: new Date(0),
    changed: true,
    state: { campaignId: id, worldTime: new Date(60_000), clockRate: 1, clockRunning: running, tickedAt: new Date(60_000) },
  });

  it('stores the announcements of the clocks due in a tick in the transaction that re-anchors them', async () => {
    const tickAt = new Date('2026-11-25T12:00:01.000Z');
    repo.reanchorDueClocks.mockResolvedValueOnce([clock('c1'), clock('c2')]);
    await expect(service.announceDueClocks(tickAt)).resolves.toBe(2);
    expect(repo.reanchorDueClocks).toHaveBeenCalledWith(tx, tickAt, 60);
    expect(publisher.worldTimeChangedIn).toHaveBeenCalledTimes(2);
    expect(publisher.worldTimeChangedIn).toHaveBeenLastCalledWith(
      tx,
      {
        campaignId: 'c2',
        previousTime: '1970-01-01T00:00:00.000Z',
        currentTime: '1970-01-01T00:01:00.000Z',
        worldTime: '1970-01-01T00:01:00.000Z',
        clockRate: 1,
        clockRunning: true,
        tickedAt: '1970-01-01T00:01:00.000Z',
        metadata: { source: 'world-clock', correlationId: 'world-clock:2026-11-25T12:00:01.000Z' },
        timestamp: expect.any(String),
      },
      'c2:world-clock:2026-11-25T12:00:01.000Z',
    );
    // One tick, one time: both announcements carry the same timestamp.
    const stamps = publisher.worldTimeChangedIn.mock.calls.map(([, draft]) => (draft as { timestamp?: string }).timestamp);
    expect(new Set(stamps).size).toBe(1);
    repo.reanchorDueClocks.mockResolvedValueOnce([]);
    await expect(service.announceDueClocks(tickAt)).resolves.toBe(0);
    expect(publisher.worldTimeChangedIn).toHaveBeenCalledTimes(2); // nothing due: nothing written
  });

  it('opens no transaction for a tick with no clock due', async () => {
    const tickAt = new Date('2026-11-25T12:00:02.000Z');
    uow.runSql.mockClear();
    repo.anyClockDue.mockResolvedValueOnce(false);
    await expect(service.announceDueClocks(tickAt)).resolves.toBe(0);
    expect(repo.anyClockDue).toHaveBeenLastCalledWith(tickAt, 60);
    expect(uow.runSql).not.toHaveBeenCalled();
  });

  it('announces a clock change with the change, keyed by the new anchor, and nothing when the clock did not change', async () => {
    repo.changeClock.mockResolvedValueOnce(clock('c1', false));
    await service.changeWorldTime(actor('own'), 'c1', { running: false });
    expect(repo.changeClock).toHaveBeenCalledWith(tx, 'c1', expect.objectContaining({ running: false }), 'own', 3);
    // The stored clock (lockCampaign) was stopped already, so only the time moved: no entity_updated.
    expect(publisher.entityUpdatedIn).not.toHaveBeenCalled();
    expect(publisher.worldTimeChangedIn).toHaveBeenCalledWith(
      tx,
      expect.objectContaining({ campaignId: 'c1', clockRunning: false }),
      'c1:clock:60000:1970-01-01T00:01:00.000Z:false:1',
    );
    repo.changeClock.mockResolvedValueOnce(clock('c1', true));
    await service.changeWorldTime(actor('own'), 'c1', { running: true });
    expect(publisher.entityUpdatedIn).toHaveBeenCalledWith(
      tx,
      expect.objectContaining({ changedFields: ['clockRunning'] }),
      expect.any(String),
    );
    repo.changeClock.mockResolvedValueOnce({ ...clock('c1'), changed: false });
    await service.changeWorldTime(actor('own'), 'c1', { running: true });
    expect(publisher.worldTimeChangedIn).toHaveBeenCalledTimes(2);
    expect(publisher.entityUpdatedIn).toHaveBeenCalledTimes(1);
  });
});
