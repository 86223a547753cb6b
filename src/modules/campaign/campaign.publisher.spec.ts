import type { MetricsService } from '../../core/observability';
import type { EventLogService, RealtimeServer, RevocationService } from '../../core/realtime';
import { CampaignPublisher } from './campaign.publisher';

describe('CampaignPublisher', () => {
  const calls: string[] = [];
  const emit = jest.fn((event: string) => calls.push(`emit ${event}`));
  const to = jest.fn((rooms: string | string[]) => {
    calls.push(`to ${[rooms].flat().join(',')}`);
    return { emit, except: () => ({ emit }) };
  });
  const socketsLeave = jest.fn((rooms: string[]) => calls.push(`leave ${rooms.join(',')}`));
  const fetchSockets = jest.fn(async () => {
    calls.push('barrier');
    return [];
  });
  const nsp = { to, in: jest.fn(() => ({ socketsLeave, fetchSockets })) };
  const realtime = { namespace: () => nsp } as unknown as RealtimeServer;
  const log = { append: jest.fn(async () => ({ offset: '17', duplicate: false })) } as unknown as EventLogService;
  const metrics = { published: { inc: jest.fn() }, publishLatency: { observe: jest.fn() } } as unknown as MetricsService;
  const revocations = { revoke: jest.fn(async () => undefined) };
  const publisher = new CampaignPublisher(realtime, log, metrics, revocations as unknown as RevocationService);

  beforeEach(() => {
    calls.length = 0;
    jest.clearAllMocks();
  });

  it('persists a structure event and emits it once to the union of its three rooms', async () => {
    const wire = await publisher.structureUpdated({
      campaignId: 'c1',
      settlementId: 's1',
      structureId: 't1',
      operation: 'update',
      metadata: { userId: 'u1', source: 'http', correlationId: 'r1' },
    });
    expect(log.append).toHaveBeenCalledWith(
      expect.objectContaining({
        namespace: '/ws/campaign',
        event: 'structure_updated',
        rooms: ['campaign:c1', 'settlement:s1', 'structure:t1'],
      }),
    );
    expect(to).toHaveBeenCalledTimes(1);
    expect(to).toHaveBeenCalledWith(['campaign:c1', 'settlement:s1', 'structure:t1']);
    expect(emit).toHaveBeenCalledTimes(1);
    expect(wire).toMatchObject({ type: 'structure_updated', offset: '17', metadata: { correlationId: 'r1' } });
    expect(new Date(wire!.timestamp).toISOString()).toBe(wire!.timestamp);
  });

  it('revokes a member through a recorded revocation of their sockets in every room of the campaign', async () => {
    await publisher.revokeMember('c1', 'u9', ['campaign:c1', 'settlement:s1']);
    expect(revocations.revoke).toHaveBeenCalledWith('/ws/campaign', {
      userId: 'u9',
      rooms: ['campaign:c1', 'settlement:s1'],
      notice: { event: 'subscription_revoked', payload: { campaignId: 'c1', reason: 'membership_removed' } },
    });
    expect(nsp.in).not.toHaveBeenCalled();
  });

  it('revokes every subscriber of deleted rooms and fails when the revocation cannot be recorded', async () => {
    const notice = { campaignId: 'c1', settlementId: 's1', reason: 'deleted' as const };
    await publisher.revokeRooms(notice, ['settlement:s1', 'structure:t1']);
    expect(revocations.revoke).toHaveBeenCalledWith('/ws/campaign', {
      rooms: ['settlement:s1', 'structure:t1'],
      notice: { event: 'subscription_revoked', payload: notice },
    });
    revocations.revoke.mockRejectedValueOnce(new Error('database down'));
    await expect(publisher.revokeMember('c1', 'u9', ['campaign:c1'])).rejects.toThrow('database down');
  });
});
