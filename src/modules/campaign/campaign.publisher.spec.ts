import type { MetricsService } from '../../core/observability';
import type { AppendRequest, EventLogService, RealtimeServer, SqlTransaction } from '../../core/realtime';
import { CampaignPublisher } from './campaign.publisher';

describe('CampaignPublisher', () => {
  const emit = jest.fn();
  const to = jest.fn();
  /** The namespace's adapter, as a publisher's emit reaches it: `to` gets the rooms, `emit` the event and payload. */
  const nsp = {
    adapter: {
      broadcast: (packet: { data: [string, unknown] }, opts: { rooms: Set<string> }) => {
        to([...opts.rooms]);
        emit(...packet.data);
      },
    },
  };
  const realtime = { namespace: () => nsp } as unknown as RealtimeServer;
  const log = { append: jest.fn(async () => ({ offset: '17', duplicate: false, claimed: true })) } as unknown as EventLogService;
  const metrics = { published: { inc: jest.fn() }, publishLatency: { observe: jest.fn() } } as unknown as MetricsService;
  const publisher = new CampaignPublisher(realtime, log, metrics);

  /** A transaction that records what is staged; `commit` runs the emits as UnitOfWork does after COMMIT. */
  function fakeTx() {
    const staged: Array<{ request: AppendRequest; emit: (offset: string) => void }> = [];
    const tx = {
      query: jest.fn(),
      stage: (request: AppendRequest, emitAfter: (offset: string) => void) => {
        staged.push({ request, emit: emitAfter });
        return { published: Promise.resolve(String(staged.length)) };
      },
    } as unknown as SqlTransaction;
    const commit = () => staged.forEach((s, i) => s.emit(String(100 + i)));
    return { tx, staged, commit };
  }

  beforeEach(() => jest.clearAllMocks());

  it('stages a structure event keyed by the change and emits it once, after the commit, to the union of its three rooms', () => {
    const { tx, staged, commit } = fakeTx();
    publisher.structureUpdatedIn(
      tx,
      {
        campaignId: 'c1',
        settlementId: 's1',
        structureId: 't1',
        operation: 'update',
        metadata: { userId: 'u1', source: 'http', correlationId: 'r1' },
      },
      'structure:t1:update:5',
    );
    expect(staged).toHaveLength(1);
    expect(staged[0].request).toMatchObject({
      namespace: '/ws/campaign',
      event: 'structure_updated',
      rooms: ['campaign:c1', 'settlement:s1', 'structure:t1'],
      idempotencyKey: 'campaign:structure:t1:update:5',
    });
    expect(emit).not.toHaveBeenCalled();
    commit();
    expect(to).toHaveBeenCalledTimes(1);
    expect(to).toHaveBeenCalledWith(['campaign:c1', 'settlement:s1', 'structure:t1']);
    expect(emit).toHaveBeenCalledWith('structure_updated', expect.objectContaining({ type: 'structure_updated', offset: '100' }));
  });

  it('records a member revocation in the transaction, addressed to the user, covering every room given', () => {
    const { tx, staged, commit } = fakeTx();
    publisher.revokeMemberIn(tx, 'c1', 'u9', ['campaign:c1', 'settlement:s1'], 'c1:member-removed:u9:5:revoke');
    expect(staged[0].request).toEqual({
      namespace: '/ws/campaign',
      event: 'herald:revocation',
      rooms: ['user:u9'],
      payload: {
        userId: 'u9',
        rooms: ['campaign:c1', 'settlement:s1'],
        notice: { event: 'subscription_revoked', payload: { campaignId: 'c1', reason: 'membership_removed' } },
      },
      idempotencyKey: 'campaign:c1:member-removed:u9:5:revoke',
    });
    commit();
    expect(to).toHaveBeenCalledWith(['user:u9']);
    expect(emit).toHaveBeenCalledWith('herald:revocation', expect.objectContaining({ userId: 'u9', offset: '100' }));
  });

  it('revokes every subscriber of deleted rooms, and a failed broadcast after the commit does not throw (gap repair has it)', () => {
    const { tx, staged, commit } = fakeTx();
    const notice = { campaignId: 'c1', settlementId: 's1', reason: 'deleted' as const };
    publisher.revokeRoomsIn(tx, notice, ['settlement:s1', 'structure:t1'], 'settlement:s1:delete:revoke');
    expect(staged[0].request).toMatchObject({
      event: 'herald:revocation',
      rooms: ['settlement:s1', 'structure:t1'],
      payload: { rooms: ['settlement:s1', 'structure:t1'], notice: { event: 'subscription_revoked', payload: notice } },
    });
    emit.mockImplementationOnce(() => {
      throw new Error('adapter down');
    });
    expect(commit).not.toThrow();
  });

  it('stages nothing for a revocation without rooms', () => {
    const { tx, staged } = fakeTx();
    publisher.revokeRoomsIn(tx, { campaignId: 'c1', reason: 'deleted' }, [], 'k');
    expect(staged).toHaveLength(0);
  });
});
