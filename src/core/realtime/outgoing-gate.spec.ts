import type { Socket } from 'socket.io';
import type { EncodedEvent } from './encoded-event';
import { OutgoingGate } from './outgoing-gate';

/** A socket as Socket.IO's broadcast sees it: notifyOutgoingListeners(packet), then client.writeToEngine(bytes). */
function fakeSocket() {
  const written: string[] = [];
  // Socket.IO's notifyOutgoingListeners is a method of the Socket class, not of the instance.
  const proto = { notifyOutgoingListeners: (_packet: unknown) => undefined };
  const socket = Object.assign(Object.create(proto) as typeof proto, {
    connected: true,
    nsp: { name: '/ws/test' },
    client: {
      writeToEngine: (encoded: unknown, _opts?: unknown) => written.push(String(encoded)),
      _packet: () => undefined,
    },
  });
  const broadcast = (offset?: string) => {
    const packet = { data: ['e', offset === undefined ? {} : { offset }] };
    socket.notifyOutgoingListeners(packet);
    socket.client.writeToEngine(offset === undefined ? 'transient' : `live-${offset}`, {});
  };
  return { socket: socket as unknown as Socket, written, broadcast };
}

const replayed = (offset: string): EncodedEvent => ({ namespace: '/ws/test', packets: [`replay-${offset}`], opts: { preEncoded: true } });

describe('OutgoingGate', () => {
  it('holds broadcasts, then releases them merged in offset order with queued replayed events, minus those replayed', () => {
    const { socket, written, broadcast } = fakeSocket();
    const gate = OutgoingGate.close(socket);
    broadcast('11');
    broadcast(); // a transient event keeps its place among the held ones
    broadcast('13');
    broadcast('14');
    gate.sendEncoded(replayed('5')); // older than anything held: straight through
    gate.holdReplayed(replayed('12'), '12');
    gate.holdReplayed(replayed('14'), '14');
    gate.holdReplayed(replayed('15'), '15');
    expect(written).toEqual(['replay-5']);

    gate.open(new Set(['5', '12', '14', '15']));
    expect(written).toEqual(['replay-5', 'live-11', 'transient', 'replay-12', 'live-13', 'replay-14', 'replay-15']);

    // the gate is gone: broadcasts are written at once again
    broadcast('16');
    expect(written[written.length - 1]).toBe('live-16');
  });
});
