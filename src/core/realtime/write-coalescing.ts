import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/** The parts of engine.io's WebSocket transport this touches (engine.io 6.x internals). */
interface WebSocketTransport {
  name: string;
  send(packets: unknown[]): void;
  socket?: { _socket?: NetSocket };
}

const COALESCED = Symbol('herald.coalesced');

/**
 * One TCP write per flush instead of one per packet.
 *
 * Engine.IO queues a connection's packets while its previous write is in flight and then
 * sends the queue in one `transport.send(packets)`, but the WebSocket transport writes each
 * packet as its own frame, and each frame is its own `writev` system call. On loopback and
 * in VMs that call costs ~20 µs (the receiver's TCP work runs inside it), more than all the
 * JavaScript of a delivery. Corking the TCP socket around the loop hands the kernel the
 * whole queue at once: a replay of 500 events becomes one write, not 500, and a saturated
 * fan-out sends each socket's backlog in one call. Frames, order and callbacks are unchanged;
 * a single-packet send (the common case of a live broadcast) is passed straight through.
 */
export function coalesceWebSocketWrites(io: Server): void {
  io.engine.on('connection', (socket: EngineSocket) => {
    coalesce(socket.transport);
    socket.on('upgrade', coalesce);
  });
}

interface EngineSocket {
  transport: WebSocketTransport;
  on(event: 'upgrade', listener: (transport: WebSocketTransport) => void): void;
}

function coalesce(transport: WebSocketTransport & { [COALESCED]?: true }): void {
  if (transport.name !== 'websocket' || transport[COALESCED]) return;
  transport[COALESCED] = true;
  const send = transport.send.bind(transport);
  transport.send = (packets) => {
    const tcp = transport.socket?._socket;
    if (packets.length < 2 || !tcp) return send(packets);
    tcp.cork();
    try {
      send(packets);
    } finally {
      tcp.uncork();
    }
  };
}
