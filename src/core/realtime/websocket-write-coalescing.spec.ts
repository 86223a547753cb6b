import { EventEmitter } from 'node:events';
import type { Server } from 'socket.io';
import { coalesceWebSocketWrites } from './socketio-internals';

/** Records what the TCP socket saw: writes while corked leave together on uncork. */
function fakeTcp() {
  const calls: string[] = [];
  let corked = 0;
  return {
    calls,
    cork: () => {
      corked++;
      calls.push('cork');
    },
    uncork: () => {
      corked--;
      calls.push('uncork');
    },
    write: (what: string) => calls.push(corked ? `buffered ${what}` : `syscall ${what}`),
  };
}

function transport(name: string, tcp: ReturnType<typeof fakeTcp>) {
  return {
    name,
    socket: { _socket: tcp },
    send(packets: string[]) {
      for (const p of packets) tcp.write(p);
    },
  };
}

function setup() {
  const engine = new EventEmitter();
  coalesceWebSocketWrites({ engine } as unknown as Server);
  const connect = (t: ReturnType<typeof transport>) => {
    const socket = Object.assign(new EventEmitter(), { transport: t });
    engine.emit('connection', socket);
    return socket;
  };
  return { connect };
}

describe('coalesceWebSocketWrites', () => {
  it('corks the TCP socket around a flush of several packets, so they leave in one write', () => {
    const tcp = fakeTcp();
    const t = transport('websocket', tcp);
    setup().connect(t);
    t.send(['a', 'b', 'c']);
    expect(tcp.calls).toEqual(['cork', 'buffered a', 'buffered b', 'buffered c', 'uncork']);
  });

  it('passes a single packet straight through', () => {
    const tcp = fakeTcp();
    const t = transport('websocket', tcp);
    setup().connect(t);
    t.send(['a']);
    expect(tcp.calls).toEqual(['syscall a']);
  });

  it('uncorks even when the send throws', () => {
    const tcp = fakeTcp();
    const t = transport('websocket', tcp);
    t.send = () => {
      throw new Error('boom');
    };
    setup().connect(t);
    expect(() => t.send(['a', 'b'])).toThrow('boom');
    expect(tcp.calls).toEqual(['cork', 'uncork']);
  });

  it('leaves polling alone and takes over the websocket a polling connection upgrades to', () => {
    const pollTcp = fakeTcp();
    const polling = transport('polling', pollTcp);
    const socket = setup().connect(polling);
    polling.send(['a', 'b']);
    expect(pollTcp.calls).toEqual(['syscall a', 'syscall b']);
    const wsTcp = fakeTcp();
    const ws = transport('websocket', wsTcp);
    socket.emit('upgrade', ws);
    ws.send(['c', 'd']);
    expect(wsTcp.calls).toEqual(['cork', 'buffered c', 'buffered d', 'uncork']);
  });
});
