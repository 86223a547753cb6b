import type { Principal } from '../../core/auth';
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
    advanceRunningClocks: jest.fn(),
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
  };
  const service = new CampaignService(
    repo as unknown as CampaignRepository,
    membership as unknown as CampaignMembershipService,
    publisher as unknown as CampaignPublisher,
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

  it('publishes every clock that moved in a tick, even after one publish fails, and then reports the failure', async () => {
    const tickAt = new Date('2026-11-25T12:00:01.000Z');
    const change = (id: string) => ({ campaignId: id, previousTime: new Date(0), currentTime: new Date(1000) });
    repo.advanceRunningClocks.mockResolvedValueOnce([change('c1'), change('c2'), change('c3')]);
    publisher.worldTimeChanged
      .mockResolvedValueOnce(undefined)
      .mockRejectedValueOnce(new Error('db down'))
      .mockResolvedValueOnce(undefined);
    await expect(service.advanceRunningClocks(tickAt)).rejects.toThrow('1 of 3');
    expect(repo.advanceRunningClocks).toHaveBeenCalledWith(tickAt);
    expect(publisher.worldTimeChanged).toHaveBeenCalledTimes(3);
    expect(publisher.worldTimeChanged).toHaveBeenLastCalledWith({
      campaignId: 'c3',
      previousTime: '1970-01-01T00:00:00.000Z',
      currentTime: '1970-01-01T00:00:01.000Z',
      metadata: { source: 'world-clock', correlationId: 'world-clock:2026-11-25T12:00:01.000Z' },
    });
  });
});
