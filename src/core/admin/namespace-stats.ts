import type { Namespace } from 'socket.io';

export interface NamespaceStats {
  namespace: string;
  /** Sockets connected to this instance. */
  connections: number;
  /** Rooms with at least one socket on this instance (each socket's private room excluded). */
  rooms: number;
}

/** Rooms other than each socket's own id room, with their local member counts. */
function publicRooms(nsp: Namespace): Array<[string, number]> {
  const { rooms, sids } = nsp.adapter;
  const out: Array<[string, number]> = [];
  for (const [room, members] of rooms) {
    if (!sids.has(room)) out.push([room, members.size]);
  }
  return out;
}

export function namespaceStats(nsp: Namespace): NamespaceStats {
  return { namespace: nsp.name, connections: nsp.sockets.size, rooms: publicRooms(nsp).length };
}

/** Largest rooms first, then by name. */
export function roomSizes(nsp: Namespace): Array<{ room: string; sockets: number }> {
  return publicRooms(nsp)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([room, sockets]) => ({ room, sockets }));
}
