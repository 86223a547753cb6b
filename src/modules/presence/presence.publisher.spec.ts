import type { MetricsService } from '../../core/observability';
import type { EventLogService, RealtimeServer } from '../../core/realtime';
import type { RedisService } from '../../core/redis';
import type { PresenceSnapshot } from './presence.events';
import { PresencePublisher } from './presence.publisher';

/** A namespace that records what is emitted locally, by audience. */
function setup() {
  const emitted: Array<{ to: 'user' | 'observers'; room: string; version: number; ip: string | null }> = [];
  const target = (to: 'user' | 'observers', room: string) => ({
    emit: (_event: string, s: PresenceSnapshot) =>
      emitted.push({ to, room, version: Number(s.lastSeen), ip: s.sockets[0]?.ip ?? null }),
  });
  const nsp = { local: { to: (room: string) => target('user', room), except: (room: string) => target('observers', room) } };
  const realtime = { namespace: () => nsp } as unknown as RealtimeServer;
  const redis = { enabled: false, client: undefined, key: (...p: string[]) => p.join(':') } as unknown as RedisService;
  const metrics = { published: { inc: () => undefined } } as unknown as MetricsService;
  const publisher = new PresencePublisher(realtime, {} as EventLogService, metrics, redis);
  return { publisher, emitted };
}

/** lastSeen doubles as a label, so the test can tell which snapshot went out. */
const snapshot = (label: number): PresenceSnapshot => ({
  userId: 'alice',
  isOnline: true,
  lastSeen: label,
  sockets: [{ socketId: 's1', connectedAt: 1, lastSeen: label, userAgent: null, ip: '10.0.0.1' }],
});

describe('PresencePublisher (without Redis)', () => {
  it('sends changes to the user in full and to everyone else without addresses; heartbeats to the user only', () => {
    const { publisher, emitted } = setup();
    publisher.changed(snapshot(1), 1);
    publisher.heartbeat(snapshot(2), 2);
    expect(emitted).toEqual([
      { to: 'user', room: 'user:alice', version: 1, ip: '10.0.0.1' },
      { to: 'observers', room: 'user:alice', version: 1, ip: null },
      { to: 'user', room: 'user:alice', version: 2, ip: '10.0.0.1' },
    ]);
  });

  it('never emits a state older than one already emitted to the same audience', () => {
    const { publisher, emitted } = setup();
    publisher.changed(snapshot(5), 5);
    publisher.changed(snapshot(4), 4); // overtaken on the way: dropped for both audiences
    expect(emitted.map((e) => e.version)).toEqual([5, 5]);
  });

  it('does not let a heartbeat hide a change from observers, who never saw the heartbeat', () => {
    const { publisher, emitted } = setup();
    publisher.changed(snapshot(1), 1);
    emitted.length = 0;
    publisher.heartbeat(snapshot(3), 3);
    publisher.changed(snapshot(2), 2); // arrived after the newer heartbeat
    expect(emitted).toEqual([
      { to: 'user', room: 'user:alice', version: 3, ip: '10.0.0.1' },
      { to: 'observers', room: 'user:alice', version: 2, ip: null },
    ]);
  });
});
