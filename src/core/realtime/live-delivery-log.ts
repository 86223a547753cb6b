import type { Namespace, Socket } from 'socket.io';
import { OldestFirst } from '../collections/oldest-first';

/** Recent logged-event broadcasts kept per namespace; a replay reaching further back may repeat what arrived live. */
const DEFAULT_CAPACITY = 5_000;

/** A broadcast's rooms: the name itself when there is one (most are), else the broadcast's own set. */
type Routing = string | ReadonlySet<string>;

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
 *
 * The last `capacity` broadcasts are kept in a ring indexed by their place in the sequence,
 * with a map from offset to that place; a broadcast adds no object of its own, and a
 * single-room one keeps its room's name rather than the broadcast's set of one. At a few
 * thousand publishes a second every entry outlives a young-generation collection or two, so
 * what it holds is copied and then promoted: with an object and the broadcast's set kept per
 * broadcast, a P2 window (2,000 publishes/s) left 308 and 352 bytes per publish alive at its
 * end, 224 and 269 without them (bench `--retained-profile`).
 */
export class LiveDeliveryLog {
  private seq = 0;
  /** Offset → its broadcast's seq; the ring slot is seq % capacity while seq is within the window. */
  private readonly seqOf = new Map<string, number>();
  private readonly evict = new OldestFirst(this.seqOf);
  private readonly routing: Routing[] = [];
  private readonly partial: Uint8Array;
  /** Socket id → room → seq at which it joined; only rooms it is in now. */
  private readonly joined = new Map<string, Map<string, number>>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {
    this.partial = new Uint8Array(capacity);
  }

  /** Everything recorded so far has a seq at or below this. */
  get position(): number {
    return this.seq;
  }

  /** `partial`: sent to some sockets of the rooms only (an `except`, or volatile), so delivery cannot be inferred. */
  recordBroadcast(offset: string, rooms: ReadonlySet<string>, partial: boolean): void {
    const seq = ++this.seq;
    const slot = seq % this.capacity;
    this.routing[slot] = rooms.size === 1 ? (rooms.values().next().value as string) : rooms;
    this.partial[slot] = partial ? 1 : 0;
    // Delete first so that an offset broadcast again moves to the back, as a fresh entry.
    this.seqOf.delete(offset);
    this.seqOf.set(offset, seq);
    this.evict.trimTo(this.capacity);
  }

  /** The rooms a recorded broadcast went to; undefined once it has been forgotten. */
  roomsOf(offset: string): ReadonlySet<string> | undefined {
    const seq = this.recorded(offset);
    if (seq === undefined) return undefined;
    const routing = this.routing[seq % this.capacity];
    return typeof routing === 'string' ? new Set([routing]) : routing;
  }

  /** The seq of a broadcast still in the window. */
  private recorded(offset: string): number | undefined {
    const seq = this.seqOf.get(offset);
    return seq !== undefined && this.seq - seq < this.capacity ? seq : undefined;
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
    const seq = this.recorded(offset);
    if (seq === undefined || seq > through || this.partial[seq % this.capacity]) return false;
    const rooms = this.joined.get(socketId);
    if (!rooms) return false;
    const joinedBefore = (room: string) => {
      const joinedAt = rooms.get(room);
      return joinedAt !== undefined && joinedAt < seq;
    };
    const routing = this.routing[seq % this.capacity];
    if (typeof routing === 'string') return joinedBefore(routing);
    for (const room of routing) if (joinedBefore(room)) return true;
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
