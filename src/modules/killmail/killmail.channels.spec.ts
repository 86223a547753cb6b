import type { Principal } from '../../core/auth';
import { NAMESPACES } from '../../core/realtime';
import { KillmailChannels } from './killmail.channels';
import type { KillmailService } from './killmail.service';

describe('KillmailChannels', () => {
  const user = { userId: 'reader' } as Principal;

  it('owns the killmail channels of /ws/killmail, not intelligence system:events', () => {
    const channels = new KillmailChannels({ mayRead: jest.fn() } as unknown as KillmailService);
    expect(channels.namespace).toBe(NAMESPACES.killmail);
    expect(channels.matches('system:30000142')).toBe(true);
    expect(channels.matches('killstream')).toBe(true);
    expect(channels.matches('system:events')).toBe(false);
    expect(channels.matches('user:reader')).toBe(false);
  });

  it('answers with the rule subscribe asks the service for', () => {
    const mayRead = jest.fn().mockReturnValueOnce(true).mockReturnValueOnce(false);
    const channels = new KillmailChannels({ mayRead } as unknown as KillmailService);
    expect(channels.canRead(user, 'ship:587')).toBe(true);
    expect(channels.canRead(user, 'ship:588')).toBe(false);
    expect(mayRead.mock.calls).toEqual([
      [user, 'ship:587'],
      [user, 'ship:588'],
    ]);
  });
});
