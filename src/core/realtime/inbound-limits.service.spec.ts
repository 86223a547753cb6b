import type { Socket } from 'socket.io';
import type { AppConfig } from '../../config';
import { InboundLimitsService } from './inbound-limits.service';

const config = { socket: { maxRoomsPerSocket: 128 }, trustProxy: false, trustedProxies: [] } as unknown as AppConfig;
const policy = () => new InboundLimitsService({} as never, config);

/** A socket whose adapter join resolves later, like a cluster adapter's. */
function fakeSocket(connected = true) {
  const rooms = new Set<string>(['own-id']);
  let finishJoin: () => void = () => undefined;
  const socket = {
    connected,
    rooms,
    join: jest.fn((list: string[]) => {
      list.forEach((r) => rooms.add(r));
      return new Promise<void>((resolve) => (finishJoin = resolve));
    }),
    leave: jest.fn((room: string) => {
      rooms.delete(room);
    }),
  };
  return { socket, finish: () => finishJoin() };
}

describe('InboundLimitsService.join after an await', () => {
  it('joins nothing for a socket that has already disconnected', async () => {
    const { socket } = fakeSocket(false);
    expect(await policy().join(socket as unknown as Socket, ['campaign:1'])).toBe(false);
    expect(socket.join).not.toHaveBeenCalled();
  });

  it('undoes a join that completed after the socket disconnected', async () => {
    const { socket, finish } = fakeSocket(true);
    const joined = policy().join(socket as unknown as Socket, ['campaign:1']);
    socket.connected = false; // the disconnect lands while the adapter is still joining
    finish();
    expect(await joined).toBe(false);
    expect(socket.leave).toHaveBeenCalledWith('campaign:1');
    expect([...socket.rooms]).toEqual(['own-id']);
  });

  it('joins a connected socket', async () => {
    const { socket, finish } = fakeSocket(true);
    const joined = policy().join(socket as unknown as Socket, ['campaign:1']);
    finish();
    expect(await joined).toBe(true);
    expect(socket.rooms.has('campaign:1')).toBe(true);
  });
});
