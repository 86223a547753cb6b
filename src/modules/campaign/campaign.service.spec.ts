import type { Principal } from '../../core/auth';
import type { Transaction, UnitOfWork } from '../../core/realtime';
import type { CampaignMembershipService } from './campaign-membership.service';
import type { CampaignPublisher } from './campaign.publisher';
import { LastOwnerError, type CampaignRepository } from './campaign.repository';
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
    advanceRunningClocks: jest.fn(),
  };
  const membership = { authorize: jest.fn(async () => undefined) };
  const publisher = {
    revokeMember: jest.fn(async () => {
      calls.push('revoked');
    }),
    entityUpdatedIn: jest.fn(() => {
      calls.push('entity_updated');
      return { published: Promise.resolve(undefined) };
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
  const service = new CampaignService(
    repo as unknown as CampaignRepository,
    membership as unknown as CampaignMembershipService,
    publisher as unknown as CampaignPublisher,
    uow as unknown as UnitOfWork,
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
    // The removal and its event commit together; the event leaves out the removed user's sockets.
    expect(calls).toEqual(['removed', 'entity_updated', 'committed', 'revoked']);
    expect(publisher.entityUpdatedIn).toHaveBeenCalledWith(
      tx,
      expect.objectContaining({
        changedFields: ['members'],
        metadata: { userId: 'own', source: 'http', correlationId: 'corr-1' },
      }),
      'c1:member-removed:pl:5',
      ['user:pl'],
    );
  });

  it('lets a member leave without the manage permission, and refuses the last owner', async () => {
    await service.removeMember(actor('pl'), 'c1', 'pl');
    expect(membership.authorize).not.toHaveBeenCalled();
    repo.removeMember.mockRejectedValueOnce(new LastOwnerError());
    await expect(service.removeMember(actor('own'), 'c1', 'own')).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.removeMember(actor('own'), 'c1', 'nobody')).rejects.toMatchObject({ code: 'not_found' });
    repo.roleOf.mockResolvedValueOnce('player');
    repo.removeMember.mockResolvedValueOnce(null); // gone meanwhile
    await expect(service.removeMember(actor('own'), 'c1', 'pl')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('stores a world_time_changed for every clock a tick moved, in the transaction that moved them', async () => {
    const tickAt = new Date('2026-11-25T12:00:01.000Z');
    const change = (id: string) => ({ campaignId: id, previousTime: new Date(0), currentTime: new Date(1000) });
    repo.advanceRunningClocks.mockResolvedValueOnce([change('c1'), change('c2'), change('c3')]);
    await expect(service.advanceRunningClocks(tickAt)).resolves.toBe(3);
    expect(repo.advanceRunningClocks).toHaveBeenCalledWith(tx, tickAt);
    expect(publisher.worldTimeChangedIn).toHaveBeenCalledTimes(3);
    expect(publisher.worldTimeChangedIn).toHaveBeenLastCalledWith(
      tx,
      {
        campaignId: 'c3',
        previousTime: '1970-01-01T00:00:00.000Z',
        currentTime: '1970-01-01T00:00:01.000Z',
        metadata: { source: 'world-clock', correlationId: 'world-clock:2026-11-25T12:00:01.000Z' },
      },
      'c3:world-clock:2026-11-25T12:00:01.000Z',
    );
  });
});
