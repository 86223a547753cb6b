import { LiveDeliveryLog } from './live-delivery-log';

const rooms = (...names: string[]) => new Set(names);

describe('LiveDeliveryLog', () => {
  it('knows a broadcast reached a socket that had joined one of its rooms before it', () => {
    const log = new LiveDeliveryLog();
    log.recordJoin('s1', 'user:amy');
    log.recordBroadcast('10', rooms('conversation:c', 'user:amy', 'user:bob'), false);
    const through = log.position;
    expect(log.deliveredLive('s1', '10', through)).toBe(true);
    // Another socket, in none of the rooms, did not get it.
    log.recordJoin('s2', 'user:cy');
    expect(log.deliveredLive('s2', '10', through)).toBe(false);
  });

  it('does not count a broadcast made before the socket joined, or after the point asked about', () => {
    const log = new LiveDeliveryLog();
    log.recordBroadcast('10', rooms('user:amy'), false);
    log.recordJoin('s1', 'user:amy');
    const through = log.position;
    log.recordBroadcast('11', rooms('user:amy'), false);
    expect(log.deliveredLive('s1', '10', log.position)).toBe(false);
    // Handed over after `through`: the replay's gate deals with it, not this log.
    expect(log.deliveredLive('s1', '11', through)).toBe(false);
    expect(log.deliveredLive('s1', '11', log.position)).toBe(true);
  });

  it('forgets a room the socket left, and dates a rejoin from the rejoin', () => {
    const log = new LiveDeliveryLog();
    log.recordJoin('s1', 'user:amy');
    log.recordBroadcast('10', rooms('user:amy'), false);
    log.recordLeave('s1', 'user:amy');
    expect(log.deliveredLive('s1', '10', log.position)).toBe(false);
    log.recordBroadcast('11', rooms('user:amy'), false); // missed while out
    log.recordJoin('s1', 'user:amy');
    expect(log.deliveredLive('s1', '11', log.position)).toBe(false);
    log.recordBroadcast('12', rooms('user:amy'), false);
    expect(log.deliveredLive('s1', '12', log.position)).toBe(true);
  });

  it('never claims delivery for a partial broadcast, an unknown offset, or one evicted from the window', () => {
    const log = new LiveDeliveryLog(2);
    log.recordJoin('s1', 'user:amy');
    log.recordBroadcast('10', rooms('user:amy'), true);
    log.recordBroadcast('11', rooms('user:amy'), false);
    log.recordBroadcast('12', rooms('user:amy'), false);
    log.recordBroadcast('13', rooms('user:amy'), false);
    expect(log.deliveredLive('s1', '10', log.position)).toBe(false);
    expect(log.deliveredLive('s1', '11', log.position)).toBe(false); // evicted: capacity 2
    expect(log.deliveredLive('s1', '12', log.position)).toBe(true);
    expect(log.deliveredLive('s1', '99', log.position)).toBe(false);
  });

  it('keeps nothing for a socket once it has left every room', () => {
    const log = new LiveDeliveryLog();
    log.recordJoin('s1', 's1'); // a socket's own room is not tracked
    log.recordJoin('s1', 'user:amy');
    log.recordJoin('s1', 'conversation:c');
    log.recordLeave('s1', 'user:amy');
    log.recordLeave('s1', 'conversation:c');
    log.recordLeave('s1', 's1');
    expect((log as unknown as { joined: Map<string, unknown> }).joined.size).toBe(0);
  });
});
