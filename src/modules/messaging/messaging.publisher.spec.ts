import type { MetricsService } from '../../core/observability';
import type { AppendRequest, EventLogService, RealtimeServer, SqlTransaction, Transaction } from '../../core/realtime';
import type { RedisService } from '../../core/redis';
import type { MessageDto } from './messaging.dto';
import { MessagingPublisher } from './messaging.publisher';

describe('MessagingPublisher', () => {
  const emit = jest.fn();
  const realtime = { namespace: () => ({ to: () => ({ emit, except: () => ({ emit }) }) }) } as unknown as RealtimeServer;
  const log = {} as unknown as EventLogService;
  const metrics = { published: { inc: jest.fn() }, publishLatency: { observe: jest.fn() } } as unknown as MetricsService;
  const redis = { enabled: false } as unknown as RedisService;
  const publisher = new MessagingPublisher(realtime, log, metrics, redis);

  const message: MessageDto = {
    id: 'm1',
    conversationId: 'c1',
    senderId: 'ann',
    body: 'second take',
    status: 'edited',
    createdAt: '2026-12-02T10:00:00.000Z',
    editedAt: '2026-12-02T10:00:01.000Z',
    deletedAt: null,
    clientMessageId: null,
  };

  function stagedKeys(publish: (tx: Transaction) => void): Array<string | undefined> {
    const staged: AppendRequest[] = [];
    const db = {
      stage: (request: AppendRequest) => {
        staged.push(request);
        return { published: Promise.resolve('1') };
      },
    } as unknown as SqlTransaction;
    publish(db as unknown as Transaction);
    return staged.map((r) => r.idempotencyKey);
  }

  it('keys each edit by the edit counter, so two edits within one millisecond are two events', () => {
    const keys = stagedKeys((tx) => {
      publisher.message(tx, 'messages:updated', { ...message, body: 'first take' }, ['ann', 'ben'], 1);
      publisher.message(tx, 'messages:updated', message, ['ann', 'ben'], 2);
    });
    expect(keys).toEqual(['messages:updated:m1:1', 'messages:updated:m1:2']);
  });

  it('gives a repeat of the same change the same key (delivered once)', () => {
    const keys = stagedKeys((tx) => {
      publisher.message(tx, 'messages:updated', message, ['ann'], 3);
      publisher.message(tx, 'messages:updated', message, ['ann'], 3);
    });
    expect(new Set(keys).size).toBe(1);
  });
});
