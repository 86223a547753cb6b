import type { Namespace, Socket } from 'socket.io';
import { UserDisconnects } from './user-disconnects';

/** Sockets of several users on two namespaces, recording what happens to them in one shared log. */
function world() {
  const log: string[] = [];
  const socket = (id: string, userId: string) =>
    ({
      id,
      data: { user: { userId } },
      emit: (event: string, payload: unknown) => log.push(`${id} ${event} ${JSON.stringify(payload)}`),
      disconnect: () => log.push(`${id} closed`),
    }) as unknown as Socket;
  const nsp = (name: string, sockets: Socket[]) => ({ name, sockets: new Map(sockets.map((s) => [s.id, s])) }) as unknown as Namespace;
  const namespaces = [nsp('/ws/app', [socket('a1', 'alice'), socket('b1', 'bob')]), nsp('/ws/intelligence', [socket('a2', 'alice')])];
  const serverSide = new Map<string, (...args: unknown[]) => void>();
  const root = { on: (event: string, handler: (...args: unknown[]) => void) => serverSide.set(event, handler) };
  const realtime = { namespaces: () => namespaces, server: { of: () => root } };
  const limiter = { ban: jest.fn((userId: string, seconds: number) => Promise.resolve(void log.push(`ban ${userId} ${seconds}`))) };
  const metrics = { published: { inc: jest.fn() } };
  const disconnects = new UserDisconnects(realtime as never, limiter as never, { enabled: false } as never, metrics as never);
  disconnects.onApplicationBootstrap();
  return { log, disconnects, serverSide };
}

const notice = { reason: 'admin_disconnect', reconnectInMs: 5000 };

describe('UserDisconnects', () => {
  it("bans first, then notifies every socket of the user on every namespace before closing any, and leaves others' alone", async () => {
    const { log, disconnects } = world();
    const outcome = await disconnects.disconnectEverywhere('alice', notice, { banSeconds: 30 });
    expect(outcome).toEqual({ userId: 'alice', sockets: 2, instances: 1, complete: true, bannedSeconds: 30 });
    const payload = JSON.stringify(notice);
    expect(log).toEqual(['ban alice 30', `a1 system:disconnect ${payload}`, `a2 system:disconnect ${payload}`, 'a1 closed', 'a2 closed']);
  });

  it('answers another instance with the number of sockets it closed, and refuses a malformed request with zero', () => {
    const { log, serverSide } = world();
    const handler = serverSide.get('herald:disconnect-user');
    const acks: unknown[] = [];
    handler?.('bob', notice, (n: number) => acks.push(n));
    handler?.('bob', { reason: 'x' }, (n: number) => acks.push(n)); // no reconnectInMs
    handler?.(42, notice, (n: number) => acks.push(n));
    expect(acks).toEqual([1, 0, 0]);
    expect(log).toEqual([`b1 system:disconnect ${JSON.stringify(notice)}`, 'b1 closed']);
  });
});
