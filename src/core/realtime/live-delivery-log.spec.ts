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

  it('answers the rooms a kept broadcast went to, one or several, and nothing for a forgotten one', () => {
    const log = new LiveDeliveryLog(2);
    log.recordBroadcast('10', rooms('user:amy'), false);
    log.recordBroadcast('11', rooms('conversation:c', 'user:bob'), false);
    expect(log.roomsOf('10')).toEqual(rooms('user:amy'));
    expect(log.roomsOf('11')).toEqual(rooms('conversation:c', 'user:bob'));
    log.recordBroadcast('12', rooms('user:cy'), false);
    expect(log.roomsOf('10')).toBeUndefined();
    expect(log.roomsOf('12')).toEqual(rooms('user:cy'));
  });

  it('dates an offset broadcast again from its latest broadcast, and never reads another broadcast\'s rooms for an old one', () => {
    const log = new LiveDeliveryLog(2);
    log.recordJoin('s1', 'room-b');
    log.recordBroadcast('1', rooms('room-a'), false);
    log.recordBroadcast('2', rooms('room-b'), false);
    // Offset 2 again, twice (e.g. relayed and then live): offset 1 is still among the two
    // kept offsets, but two broadcasts have been recorded since it, so it is forgotten.
    log.recordBroadcast('2', rooms('room-b'), false);
    log.recordBroadcast('2', rooms('room-b'), false);
    expect(log.deliveredLive('s1', '2', log.position)).toBe(true);
    expect(log.roomsOf('1')).toBeUndefined();
    expect(log.deliveredLive('s1', '1', log.position)).toBe(false);
  });
});

