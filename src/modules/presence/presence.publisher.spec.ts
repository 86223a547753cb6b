import type { MetricsService } from '../../core/observability';
import type { EventLogService, RealtimeServer } from '../../core/realtime';
import type { RedisService } from '../../core/redis';
import type { PresenceDto, PresenceStatusDto } from './presence.dto';
import { OBSERVER_UPDATE_WINDOW_MS } from './presence-observer-fanout';
import { PresencePublisher } from './presence.publisher';

/** A namespace that records what is emitted locally, by audience. */
function setup() {
  const emitted: Array<{ to: 'user' | 'observers'; room: string; payload: PresenceDto | PresenceStatusDto }> = [];
  const target = (to: 'user' | 'observers', room: string) => ({
    emit: (_event: string, payload: PresenceDto | PresenceStatusDto) => emitted.push({ to, room, payload }),
  });
  const nsp = { local: { to: (room: string) => target('user', room), except: (room: string) => target('observers', room) } };
  const realtime = { namespace: () => nsp } as unknown as RealtimeServer;
  const redis = { enabled: false, client: undefined, key: (...p: string[]) => p.join(':') } as unknown as RedisService;
  const metrics = { published: { inc: () => undefined } } as unknown as MetricsService;
  const publisher = new PresencePublisher(realtime, {} as EventLogService, metrics, redis);
  return { publisher, emitted };
}

/** lastSeen doubles as a label, so the test can tell which snapshot went out. */
const snapshot = (label: number, sockets = 1): PresenceDto => ({
  userId: 'alice',
  isOnline: sockets > 0,
  lastSeen: label,
  sockets: Array.from({ length: sockets }, (_, i) => ({ socketId: `s${i}`, connectedAt: 1, lastSeen: label, userAgent: 'ua', ip: '10.0.0.1' })),
});

describe('PresencePublisher (without Redis)', () => {
  afterEach(() => jest.useRealTimers());

  it('sends changes to the user in full and to everyone else as status only; heartbeats to the user only', () => {
    const { publisher, emitted } = setup();
    publisher.changed(snapshot(1), 1);
    publisher.heartbeat(snapshot(2), 2);
    expect(emitted).toEqual([
      { to: 'user', room: 'user:alice', payload: snapshot(1) },
      { to: 'observers', room: 'user:alice', payload: { userId: 'alice', isOnline: true, lastSeen: 1 } },
      { to: 'user', room: 'user:alice', payload: snapshot(2) },
    ]);
  });

  it('tells observers nothing about more tabs of a user already online', () => {
    jest.useFakeTimers();
    const { publisher, emitted } = setup();
    for (let tabs = 1; tabs <= 4; tabs++) {
      publisher.changed(snapshot(tabs, tabs), tabs);
      jest.advanceTimersByTime(OBSERVER_UPDATE_WINDOW_MS * 2);
    }
    expect(emitted.filter((e) => e.to === 'observers')).toHaveLength(1);
    expect(emitted.filter((e) => e.to === 'user')).toHaveLength(4);
  });

  it('never emits a state older than one already emitted to the same audience', () => {
    const { publisher, emitted } = setup();
    publisher.changed(snapshot(5), 5);
    publisher.changed(snapshot(4, 0), 4); // overtaken on the way: dropped for both audiences
    expect(emitted.map((e) => [e.to, e.payload.lastSeen])).toEqual([
      ['user', 5],
      ['observers', 5],
    ]);
  });

  it('does not let a heartbeat hide a change from observers, who never saw the heartbeat', () => {
    const { publisher, emitted } = setup();
    publisher.changed(snapshot(1), 1);
    emitted.length = 0;
    jest.useFakeTimers();
    publisher.heartbeat(snapshot(3), 3);
    publisher.changed(snapshot(2, 0), 2); // arrived after the newer heartbeat: the user went offline
    jest.advanceTimersByTime(OBSERVER_UPDATE_WINDOW_MS);
    expect(emitted).toEqual([
      { to: 'user', room: 'user:alice', payload: snapshot(3) },
      { to: 'observers', room: 'user:alice', payload: { userId: 'alice', isOnline: false, lastSeen: 2 } },
    ]);
  });
});
