import { Injectable, Logger } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { EventLogService } from './event-log.service';
import { RealtimeServer } from './realtime-server';
import { userRoom } from './rooms';

/** The logged control event that carries a revocation; never written to a client. */
export const REVOCATION_EVENT = 'herald:revocation';

export const isRevocation = (event: string): boolean => event === REVOCATION_EVENT;

export interface RevocationRequest {
  /** Only this user's sockets lose the rooms (a removed member); all sockets in them when absent (a deleted resource). */
  userId?: string;
  /** Rooms the affected sockets leave. */
  rooms: string[];
  /** What each affected socket is told. */
  notice: { event: string; payload: object };
}

export type RevocationPayload = RevocationRequest & { offset?: string };

/**
 * Durable, ordered revocation of room membership across instances
 * (docs/delivery-guarantees.md, "Revocation").
 *
 * A revocation is written to the event log like any event, so it gets an offset and is
 * delivered to every instance by the same path as events: live through the adapter when it
 * is up, read back from the log when it is not (gap repair, within a poll of the adapter
 * coming back or of the database being readable). Each instance applies it at its place in
 * offset order, before any later event: an event published after the revocation was
 * accepted cannot reach the revoked sockets on any instance, whether Redis was up or not.
 * Nothing depends on a one-off, fire-and-forget `socketsLeave`.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly log: EventLogService,
    private readonly realtime: RealtimeServer,
  ) {}

  /**
   * Records the revocation (throws, leaving nothing recorded, when the log cannot be
   * written) and sends it to every instance. Resolves once it is durable; each instance
   * applies it before delivering anything published after it.
   */
  async revoke(namespace: string, request: RevocationRequest): Promise<void> {
    if (!request.rooms.length) return;
    const targets = request.userId !== undefined ? [userRoom(request.userId)] : request.rooms;
    const payload: RevocationRequest = { rooms: request.rooms, notice: request.notice, ...(request.userId !== undefined ? { userId: request.userId } : {}) };
    const nsp = this.realtime.namespace(namespace);
    let appended: { offset: string; duplicate: boolean };
    try {
      appended = await this.log.append({ namespace, event: REVOCATION_EVENT, rooms: targets, payload });
    } catch (err) {
      // Not recorded: the caller fails (503). Whatever the adapter still reaches loses the
      // rooms now, so a change that did commit is not left wide open until someone retries.
      nsp?.in(targets).socketsLeave(request.rooms);
      throw err;
    }
    const { offset, duplicate } = appended;
    if (duplicate) return;
    if (!nsp) return;
    try {
      nsp.to(targets).emit(REVOCATION_EVENT, { ...payload, offset });
    } catch (err) {
      // The log has it: every instance reads it back (gap repair) if the broadcast is lost.
      this.logger.warn(`revocation broadcast failed, left to gap repair: ${(err as Error).message}`);
    }
  }
}

/**
 * Applies a revocation to this instance's sockets: each affected socket (every socket of the
 * user, or every socket in the rooms) leaves those rooms and gets the notice. Synchronous, so
 * it happens exactly between the events before it and after it in offset order; each
 * instance applies each revocation once (the sequencer drops repeats).
 */
export function applyRevocation(nsp: Namespace, revocation: RevocationPayload): void {
  if (!Array.isArray(revocation?.rooms)) return;
  const candidates = new Set<Socket>();
  const scopes = revocation.userId !== undefined ? [userRoom(revocation.userId)] : revocation.rooms;
  for (const room of scopes) {
    for (const id of nsp.adapter.rooms.get(room) ?? []) {
      const socket = nsp.sockets.get(id);
      if (socket) candidates.add(socket);
    }
  }
  for (const socket of candidates) {
    for (const room of revocation.rooms) if (socket.rooms.has(room)) void socket.leave(room);
    socket.emit(revocation.notice.event, revocation.notice.payload);
  }
}
