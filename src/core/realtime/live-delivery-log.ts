import type { Namespace, Socket } from 'socket.io';
import { OldestFirst } from '../collections/oldest-first';

/** Recent logged-event broadcasts kept per namespace; a replay reaching further back may repeat what arrived live. */
const DEFAULT_CAPACITY = 5_000;

interface Broadcast {
  /** Position among this namespace's broadcasts and joins on this instance. */
  seq: number;
  rooms: ReadonlySet<string>;
  /** Sent to some sockets of the rooms only (an `except`, or volatile): delivery cannot be inferred. */
  partial: boolean;
}

/**
 * What this instance has already handed to each socket, so that a `since` replay does not
 * send it again (docs/delivery-guarantees.md: each event exactly once). A socket live in `user:<id>` that
 * then joins `conversation:<id>` with `since` would otherwise get every event routed to
 * both rooms twice: live, and again in the conversation's replay.
 *
 * It records, in one sequence, each broadcast of a logged event (by offset, with its rooms)
 * and each room join of each socket. Broadcasts and joins happen on this one thread, and a
 * broadcast reaches every socket in its rooms at that moment, so a socket received a
 * broadcast live exactly when it had joined one of the broadcast's rooms before it and is
 * still in that room (a leave forgets the join). Local publishes and those relayed by the
 * Redis adapter from other instances alike pass through here.
 */
export class LiveDeliveryLog {
  private seq = 0;
  private readonly broadcasts = new Map<string, Broadcast>();
  private readonly evict = new OldestFirst(this.broadcasts);
  /** Socket id → room → seq at which it joined; only rooms it is in now. */
  private readonly joined = new Map<string, Map<string, number>>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Everything recorded so far has a seq at or below this. */
  get position(): number {
    return this.seq;
  }

  recordBroadcast(offset: string, rooms: ReadonlySet<string>, partial: boolean): void {
    this.broadcasts.set(offset, { seq: ++this.seq, rooms, partial });
    this.evict.trimTo(this.capacity);
  }

  /** The rooms a recorded broadcast went to; undefined once it has been forgotten. */
  roomsOf(offset: string): ReadonlySet<string> | undefined {
    return this.broadcasts.get(offset)?.rooms;
  }

  recordJoin(socketId: string, room: string): void {
    if (room === socketId) return; // its own room, never a broadcast target of logged events
    let rooms = this.joined.get(socketId);
    if (!rooms) this.joined.set(socketId, (rooms = new Map()));
    rooms.set(room, this.seq);
  }

  recordLeave(socketId: string, room: string): void {
    const rooms = this.joined.get(socketId);
    if (!rooms) return;
    rooms.delete(room);
    if (!rooms.size) this.joined.delete(socketId);
  }

  /**
   * True when the broadcast of `offset`, recorded at or before `through`, was handed to the
   * socket: it was then in one of the broadcast's rooms and has not left it since. False
   * whenever that cannot be shown (not recorded, evicted, partial), so the caller sends it.
   */
  deliveredLive(socketId: string, offset: string, through: number): boolean {
    const broadcast = this.broadcasts.get(offset);
    if (!broadcast || broadcast.seq > through || broadcast.partial) return false;
    const rooms = this.joined.get(socketId);
    if (!rooms) return false;
    for (const room of broadcast.rooms) {
      const joinedAt = rooms.get(room);
      if (joinedAt !== undefined && joinedAt < broadcast.seq) return true;
    }
    return false;
  }
}

const logs = new WeakMap<Namespace, LiveDeliveryLog>();

/** The namespace's log, once SocketPolicy has instrumented it. */
export function liveDeliveryLog(nsp: Namespace): LiveDeliveryLog | undefined {
  return logs.get(nsp);
}

/** Starts recording the namespace's joins and leaves; broadcasts are recorded by the caller's adapter hook. */
export function createLiveDeliveryLog(nsp: Namespace, capacity?: number): LiveDeliveryLog {
  const log = new LiveDeliveryLog(capacity);
  logs.set(nsp, log);
  nsp.adapter.on('join-room', (room: string, id: string) => log.recordJoin(id, room));
  nsp.adapter.on('leave-room', (room: string, id: string) => log.recordLeave(id, room));
  return log;
}

interface LiveOffsetData {
  latestLiveOffset?: string;
}

/**
 * Offset of the last logged event broadcast to this socket on this instance, as sent (replays
 * are not counted). Recorded by the delivery pipeline as it visits each socket of a broadcast,
 * not by a listener on every socket's outgoing packets (that ran for each delivery).
 */
export function latestLiveOffset(socket: Socket): string | undefined {
  return (socket.data as LiveOffsetData | undefined)?.latestLiveOffset;
}

/** See latestLiveOffset; the delivery pipeline calls this for each socket a logged broadcast reaches. */
export function recordLiveOffset(socket: Socket, offset: string): void {
  (socket.data as LiveOffsetData).latestLiveOffset = offset;
}
