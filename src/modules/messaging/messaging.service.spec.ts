import type { Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import type { Transaction, UnitOfWork } from '../../core/realtime';
import type { MessageRow } from './messaging.repository';
import type { MessagingPublisher } from './messaging.publisher';
import type { MessagingRepository } from './messaging.repository';
import { MessagingService } from './messaging.service';
import { TYPING_RELAY_INTERVAL_MS, MessagingTypingThrottle } from './messaging-typing.throttle';

const user = (userId: string, ...roles: string[]): Principal => ({ userId, roles, expiresAt: undefined });
const at = new Date('2026-11-25T12:00:00.000Z');

function row(overrides: Partial<MessageRow> = {}): MessageRow {
  return {
    id: 'm1',
    conversationId: 'c1',
    senderId: 'ann',
    body: 'hello',
    status: 'sent',
    createdAt: at,
    editedAt: null,
    deletedAt: null,
    deletedBy: null,
    clientMessageId: null,
    editVersion: 0,
    ...overrides,
  };
}

const tx = { db: {} } as unknown as Transaction;

/** `null`: the conversation does not exist. */
function setup(participants: string[] | null = ['ann', 'ben']) {
  const repository = {
    participants: jest.fn().mockResolvedValue(participants ?? undefined),
    isParticipant: jest.fn(async (_c: string, u: string) => participants?.includes(u) ?? false),
    findMessage: jest.fn().mockResolvedValue(row()),
    addMessage: jest.fn().mockResolvedValue({ row: row(), created: true }),
    editMessage: jest.fn().mockResolvedValue(row({ body: 'edited', status: 'edited', editedAt: at, editVersion: 1 })),
    softDeleteMessage: jest.fn().mockResolvedValue({ row: row({ body: null, status: 'deleted', deletedAt: at }), deletedNow: true }),
    createConversation: jest.fn(),
    resyncLoggedBodies: jest.fn().mockResolvedValue(0),
  };
  const publisher = { message: jest.fn().mockResolvedValue(undefined), typing: jest.fn(), forgetCachedReplays: jest.fn() };
  // The transaction itself is the repository's and publisher's business; here it is a token passed through.
  const uow = { run: jest.fn((work: (t: Transaction) => Promise<unknown>) => work(tx)) };
  const service = new MessagingService(
    repository as unknown as MessagingRepository,
    publisher as unknown as MessagingPublisher,
    new MessagingTypingThrottle(),
    uow as unknown as UnitOfWork,
  );
  return { service, repository, publisher };
}

const code = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as DomainError).code;
  }
  throw new Error('expected a DomainError');
};

describe('MessagingService', () => {
  it('publishes a posted message to every participant', async () => {
    const { service, publisher } = setup();
    const { message, duplicate } = await service.postMessage('ann', 'c1', { body: 'hello' });
    expect(duplicate).toBe(false);
    expect(publisher.message).toHaveBeenCalledWith(tx, 'messages:new', message, ['ann', 'ben'], 0);
  });

  it('answers a repeated clientMessageId with the first message and publishes nothing again', async () => {
    const { service, repository, publisher } = setup();
    repository.addMessage.mockResolvedValueOnce({ row: row({ clientMessageId: 'k1' }), created: false });
    const { message, duplicate } = await service.postMessage('ann', 'c1', { body: 'hello again', clientMessageId: 'k1' });
    expect(repository.addMessage).toHaveBeenCalledWith(tx, 'c1', 'ann', 'hello again', 'k1');
    expect(duplicate).toBe(true);
    expect(message).toMatchObject({ id: 'm1', body: 'hello', clientMessageId: 'k1' });
    // The first attempt's messages:new committed with the message (the outbox emits it).
    expect(publisher.message).not.toHaveBeenCalled();
  });

  it('publishes nothing for a repeated clientMessageId once the message was edited or deleted', async () => {
    const { service, repository, publisher } = setup();
    repository.addMessage.mockResolvedValueOnce({ row: row({ clientMessageId: 'k1', status: 'edited', editedAt: at }), created: false });
    expect(await service.postMessage('ann', 'c1', { body: 'hello', clientMessageId: 'k1' })).toMatchObject({ duplicate: true });
    repository.addMessage.mockResolvedValueOnce({ row: row({ clientMessageId: 'k1', status: 'deleted', body: null, deletedAt: at }), created: false });
    expect(await service.postMessage('ann', 'c1', { body: 'hello', clientMessageId: 'k1' })).toMatchObject({ duplicate: true });
    expect(publisher.message).not.toHaveBeenCalled();
  });

  it('refuses non-members and unknown conversations', async () => {
    const { service, publisher } = setup();
    expect(await code(service.postMessage('eve', 'c1', { body: 'hi' }))).toBe('forbidden');
    expect(await code(setup(null).service.postMessage('ann', 'c9', { body: 'hi' }))).toBe('not_found');
    expect(await code(service.assertCanJoin('eve', 'c1'))).toBe('forbidden');
    expect(await code(setup(null).service.assertCanJoin('ann', 'c9'))).toBe('forbidden');
    expect(publisher.message).not.toHaveBeenCalled();
  });

  it('joins, subscribes and reads history by one rule: canJoin, membership', async () => {
    const { service } = setup();
    expect(await service.canJoin('ann', 'c1')).toBe(true);
    expect(await service.canJoin('eve', 'c1')).toBe(false);
    expect(await setup(null).service.canJoin('ann', 'c9')).toBe(false);
    await expect(service.assertCanJoin('ann', 'c1')).resolves.toBeUndefined();
  });

  it('lets only the author edit, and not a deleted message', async () => {
    const { service, repository, publisher } = setup();
    expect(await code(service.editMessage('ben', 'c1', 'm1', 'x'))).toBe('forbidden');
    expect(repository.editMessage).not.toHaveBeenCalled();
    repository.editMessage.mockResolvedValueOnce(undefined);
    expect(await code(service.editMessage('ann', 'c1', 'm1', 'x'))).toBe('conflict');
    const edited = await service.editMessage('ann', 'c1', 'm1', 'edited');
    expect(edited).toMatchObject({ status: 'edited', body: 'edited' });
    expect(publisher.message).toHaveBeenCalledTimes(1);
    // Keyed by the row's edit counter: a second edit in the same millisecond is still a new event.
    expect(publisher.message).toHaveBeenCalledWith(tx, 'messages:updated', edited, ['ann', 'ben'], 1);
  });

  it('after publishing an edit or a delete, brings every logged copy to the message as it is now', async () => {
    // The repository reads the message as it is now under its row lock (messaging.repo-spec).
    const { service, repository, publisher } = setup();
    await service.editMessage('ann', 'c1', 'm1', 'edited');
    expect(repository.resyncLoggedBodies).toHaveBeenCalledWith('c1', 'm1');
    expect(publisher.message.mock.invocationCallOrder[0]).toBeLessThan(repository.resyncLoggedBodies.mock.invocationCallOrder[0]);

    repository.resyncLoggedBodies.mockClear();
    await service.deleteMessage(user('ann'), 'c1', 'm1');
    expect(repository.resyncLoggedBodies).toHaveBeenCalledWith('c1', 'm1');
  });

  it('soft deletes for the author or an admin, once', async () => {
    const { service, repository, publisher } = setup();
    expect(await code(service.deleteMessage(user('ben'), 'c1', 'm1'))).toBe('forbidden');
    expect(await code(service.deleteMessage(user('eve'), 'c1', 'm1'))).toBe('forbidden');
    const deleted = await service.deleteMessage(user('mod', 'admin'), 'c1', 'm1');
    expect(deleted).toMatchObject({ status: 'deleted', body: null, deletedAt: at.toISOString() });
    expect(publisher.message).toHaveBeenCalledWith(tx, 'messages:deleted', deleted, ['ann', 'ben'], 0);
    // A repeat changes nothing and publishes nothing: the first delete's event committed with it.
    repository.softDeleteMessage.mockResolvedValueOnce({ row: row({ body: null, status: 'deleted', deletedAt: at }), deletedNow: false });
    const again = await service.deleteMessage(user('ann'), 'c1', 'm1');
    expect(again).toEqual(deleted);
    expect(publisher.message).toHaveBeenCalledTimes(1);
  });

  it('needs at least one other participant', async () => {
    const { service } = setup();
    expect(await code(service.createConversation('ann', { participantIds: ['ann'] }))).toBe('bad_request');
  });

  it('relays typing at most once per interval per user and conversation', () => {
    const { service, publisher } = setup();
    expect(service.typing('ann', 'c1')).toBe(true);
    expect(service.typing('ann', 'c1')).toBe(false);
    expect(service.typing('ben', 'c1')).toBe(true);
    expect(service.typing('ann', 'c2')).toBe(true);
    expect(publisher.typing).toHaveBeenCalledTimes(3);
  });
});

describe('MessagingTypingThrottle', () => {
  it('allows again after the interval', () => {
    const throttle = new MessagingTypingThrottle();
    expect(throttle.allow('u', 'c', 1_000)).toBe(true);
    expect(throttle.allow('u', 'c', 1_000 + TYPING_RELAY_INTERVAL_MS - 1)).toBe(false);
    expect(throttle.allow('u', 'c', 1_000 + TYPING_RELAY_INTERVAL_MS)).toBe(true);
  });
});
