import type { Principal } from '../../core/auth';
import { MessagingChannels } from './messaging.channels';
import type { MessagingService } from './messaging.service';

const user = (userId: string): Principal => ({ userId, roles: [], expiresAt: undefined });

describe('MessagingChannels', () => {
  const canJoin = jest.fn(async (userId: string, conversationId: string) => userId === 'ann' && conversationId === 'c1');
  const channels = new MessagingChannels({ canJoin } as unknown as MessagingService);

  beforeEach(() => canJoin.mockClear());

  it('owns conversation:<id> channels only', () => {
    expect(channels.matches('conversation:c1')).toBe(true);
    expect(channels.matches('user:ann')).toBe(false);
    expect(channels.matches('conversation:')).toBe(false);
  });

  it('answers with the membership rule conversations:join applies (MessagingService.canJoin)', async () => {
    expect(await channels.canRead(user('ann'), 'conversation:c1')).toBe(true);
    expect(await channels.canRead(user('bob'), 'conversation:c1')).toBe(false);
    expect(canJoin.mock.calls).toEqual([
      ['ann', 'c1'],
      ['bob', 'c1'],
    ]);
  });
});
