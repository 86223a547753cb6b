import type { Principal } from '../../core/auth';
import type { AppConfig } from '../../config';
import type { CampaignMembershipService } from './campaign-membership.service';
import type { CampaignPublisher } from './campaign.publisher';
import type { CampaignRepository } from './campaign.repository';
import { CampaignService, type Actor } from './campaign.service';

const principal = (userId: string): Principal => ({ userId, roles: [], expiresAt: undefined });
const actor = (userId: string): Actor => ({ principal: principal(userId), correlationId: 'corr-1', source: 'http' });

describe('CampaignService', () => {
  const calls: string[] = [];
  const repo = {
    roleOf: jest.fn(async (_c: string, u: string) => (u === 'own' ? 'owner' : u === 'pl' ? 'player' : null)),
    removeMember: jest.fn(async () => {
      calls.push('removed');
      return { removed: true, lastOwner: false };
    }),
    contentIds: jest.fn(async () => ({ settlementIds: ['s1'], structureIds: ['t1', 't2'] })),
    reanchorDueClocks: jest.fn(),
    changeClock: jest.fn(),
    find: jest.fn(async (id: string) => ({
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
    revokeMember: jest.fn(async () => {
      calls.push('revoked');
    }),
    entityUpdated: jest.fn(async () => {
      calls.push('entity_updated');
      return undefined;
    }),
    worldTimeChanged: jest.fn(),
    worldTimesChanged: jest.fn(async (drafts: unknown[]) => drafts.length),
  };
  const config = { quotas: { runningClocksPerUser: 3 }, worldClockBroadcastSeconds: 60 } as AppConfig;
  const service = new CampaignService(
    repo as unknown as CampaignRepository,
    membership as unknown as CampaignMembershipService,
    publisher as unknown as CampaignPublisher,
    config,
  );

  beforeEach(() => {
    calls.length = 0;
    jest.clearAllMocks();
  });

  it('revokes every room of the campaign before the removal resolves', async () => {
    await expect(service.removeMember(actor('own'), 'c1', 'pl')).resolves.toEqual({
      campaignId: 'c1',
      userId: 'pl',
      removed: true,
    });
    expect(publisher.revokeMember).toHaveBeenCalledWith('c1', 'pl', [
      'campaign:c1',
      'settlement:s1',
      'structure:t1',
      'structure:t2',
    ]);
    expect(calls).toEqual(['removed', 'revoked', 'entity_updated']);
    expect(publisher.entityUpdated).toHaveBeenCalledWith(
      expect.objectContaining({
        changedFields: ['members'],
        metadata: { userId: 'own', source: 'http', correlationId: 'corr-1' },
      }),
    );
  });

  it('lets a member leave without the manage permission, and refuses the last owner', async () => {
    await service.removeMember(actor('pl'), 'c1', 'pl');
    expect(membership.authorize).not.toHaveBeenCalled();
    repo.removeMember.mockResolvedValueOnce({ removed: false, lastOwner: true });
    await expect(service.removeMember(actor('own'), 'c1', 'own')).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.removeMember(actor('own'), 'c1', 'nobody')).rejects.toMatchObject({ code: 'not_found' });
  });

  const clock = (id: string, running = true) => ({
    previousTime: new Date(0),
    changed: true,
    state: { campaignId: id, worldTime: new Date(60_000), clockRate: 1, clockRunning: running, tickedAt: new Date(60_000) },
  });

  it('announces the clocks due in a tick in one batch, with the state clients compute the time from', async () => {
    const tickAt = new Date('2026-11-25T12:00:01.000Z');
    repo.reanchorDueClocks.mockResolvedValueOnce([clock('c1'), clock('c2')]);
    await expect(service.announceDueClocks(tickAt)).resolves.toBe(2);
    expect(repo.reanchorDueClocks).toHaveBeenCalledWith(tickAt, 60);
    expect(publisher.worldTimesChanged).toHaveBeenCalledTimes(1);
    expect(publisher.worldTimesChanged.mock.calls[0][0]).toEqual([
      expect.objectContaining({ campaignId: 'c1' }),
      {
        campaignId: 'c2',
        previousTime: '1970-01-01T00:00:00.000Z',
        currentTime: '1970-01-01T00:01:00.000Z',
        worldTime: '1970-01-01T00:01:00.000Z',
        clockRate: 1,
        clockRunning: true,
        tickedAt: '1970-01-01T00:01:00.000Z',
        metadata: { source: 'world-clock', correlationId: 'world-clock:2026-11-25T12:00:01.000Z' },
      },
    ]);
    repo.reanchorDueClocks.mockResolvedValueOnce([]);
    await expect(service.announceDueClocks(tickAt)).resolves.toBe(0);
    expect(publisher.worldTimesChanged).toHaveBeenCalledTimes(1); // nothing due: nothing written
  });

  it('announces a clock change at once, and nothing when the clock did not change', async () => {
    repo.changeClock.mockResolvedValueOnce(clock('c1', false));
    await service.changeWorldTime(actor('own'), 'c1', { running: false });
    expect(repo.changeClock).toHaveBeenCalledWith('c1', expect.objectContaining({ running: false }), 'own', 3);
    expect(publisher.worldTimeChanged).toHaveBeenCalledWith(expect.objectContaining({ campaignId: 'c1', clockRunning: false }));
    repo.changeClock.mockResolvedValueOnce({ ...clock('c1'), changed: false });
    await service.changeWorldTime(actor('own'), 'c1', { running: true });
    expect(publisher.worldTimeChanged).toHaveBeenCalledTimes(1);
  });
});
