import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { MetricsService } from '../observability/metrics.service';
import { DeliverySequencer } from './delivery-sequencer';
import { encodeLoggedEvent } from './encoded-event';
import { EventLogService } from './event-log.service';
import { liveDeliveryLog } from './live-delivery-log';
import { OutgoingGate } from './outgoing-gate';
import { ReplayBudget } from './replay-budget.service';
import { isRevocation } from './revocation';
import { socketUser } from './socket-auth.service';
import { SocketPolicy } from './socket-policy';
import { emitSystemEvent, type ResyncReason } from './system-events';

const PAGE = 500;
/** A replay longer than this is answered with a resync instead (the client refetches). */
const MAX_REPLAY_EVENTS = 10_000;
/** How long a join waits for this instance to catch up with a client that resumes from a faster one. */
const CATCH_UP_MS = 1_000;

export interface JoinOptions {
  /** Offset the client has seen; events after it are replayed before live ones. */
  since?: string;
  /** Room names reported in `system:resync` (defaults to the rooms). */
  channels?: string[];
}

export interface JoinResult {
  replayed: number;
  resync: boolean;
}

/**
 * Joins rooms with optional replay (docs/delivery-guarantees.md): live broadcasts to the socket are held
 * at a gate while the log is read and sent, then released minus anything replayed, so
 * the client gets every event after `since` in order and once. Events the socket already
 * received live through another of its rooms are not sent again (LiveDeliveryLog).
 * Replays of one socket run one at a time.
 */
@Injectable()
export class ReplayService {
  private readonly chains = new WeakMap<Socket, Promise<unknown>>();

  constructor(
    private readonly log: EventLogService,
    private readonly policy: SocketPolicy,
    private readonly metrics: MetricsService,
    private readonly budget: ReplayBudget,
    private readonly sequencer: DeliverySequencer,
  ) {}

  join(socket: Socket, rooms: string[], options: JoinOptions = {}): Promise<JoinResult> {
    const previous = this.chains.get(socket) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.joinNow(socket, rooms, options));
    this.chains.set(socket, run);
    return run;
  }

  private async joinNow(socket: Socket, rooms: string[], options: JoinOptions): Promise<JoinResult> {
    if (options.since === undefined) {
      await this.policy.join(socket, rooms);
      return { replayed: 0, resync: false };
    }
    // Rooms the socket is already in are live already: nothing of theirs was missed.
    const fresh = rooms.filter((r) => !socket.rooms.has(r));
    // Refused before anything is joined or read: the client retries the whole subscribe.
    const userId = socketUser(socket).userId;
    const allowance = fresh.length ? Math.min(MAX_REPLAY_EVENTS, this.budget.remaining(userId)) : 0;
    // Broadcasts up to here reached the socket live (through rooms it was already in) or
    // not at all; later ones are held at the gate and deduplicated against the replay.
    const live = liveDeliveryLog(socket.nsp);
    const liveThrough = live?.position ?? 0;
    // Logged events after `closedAt` that reach the socket live are held at the gate, in offset order.
    const closedAt = this.sequencer.position;
    const gate = OutgoingGate.close(socket);
    const sent = new Set<string>();
    const roomsBefore = new Set(socket.rooms);
    let clientHas: ((offset: string) => boolean) | undefined;
    let skipped = 0;
    try {
      // Disconnected while an earlier replay of this socket ran: nothing to join or send.
      if (!(await this.policy.join(socket, rooms))) return { replayed: 0, resync: false };
      // From here on the socket is in the rooms, and the sequencer delivers every logged event
      // after `joinedAt` to it live, in order and once (docs/delivery-guarantees.md). The replay
      // stops there: sending more would repeat those, or put them out of order.
      const joinedAt = this.sequencer.position;
      if (!fresh.length) return { replayed: 0, resync: false };
      const since = BigInt(options.since);
      if (joinedAt !== undefined && since > joinedAt) {
        // The client resumes from an instance that was ahead of this one. What lies between
        // reaches the socket live (held here meanwhile); it already has what came only
        // through the new rooms, so that is not sent again.
        await this.sequencer.reach(since, CATCH_UP_MS);
        clientHas = (offset) => {
          if (BigInt(offset) > since) return false;
          const routed = live?.roomsOf(offset);
          return routed !== undefined && ![...routed].some((room) => roomsBefore.has(room));
        };
      }
      if (since < (await this.log.prunedThrough())) {
        this.resync(gate, options.channels ?? fresh, 'history_expired');
        return { replayed: 0, resync: true };
      }
      const namespace = socket.nsp.name;
      let cursor = options.since;
      let reachedLive = false;
      for (;;) {
        const size = Math.min(PAGE, allowance - sent.size);
        const page = await this.log.readAfter(namespace, fresh, cursor, size);
        for (const e of page) {
          const offset = BigInt(e.offset);
          if (joinedAt !== undefined && offset > joinedAt) {
            reachedLive = true;
            break;
          }
          if (isRevocation(e.event)) continue; // applied by every instance in order; never sent
          // Also routed to a room the socket was live in: it has this event already.
          if (live?.deliveredLive(socket.id, e.offset, liveThrough)) {
            skipped++;
            continue;
          }
          const encoded = encodeLoggedEvent(socket.nsp.server, namespace, e);
          // Newer than broadcasts the gate may hold: released among them in offset order.
          if (closedAt !== undefined && offset > closedAt) gate.holdReplayed(encoded, e.offset);
          else gate.sendEncoded(encoded);
          sent.add(e.offset);
        }
        if (reachedLive || page.length < size) break;
        cursor = page[page.length - 1].offset;
        if (sent.size >= allowance) {
          // Exactly at the limit with nothing left (or only what reaches the socket live): a
          // complete replay, not a resync.
          const [next] = await this.log.readAfter(namespace, fresh, cursor, 1);
          if (!next || (joinedAt !== undefined && BigInt(next.offset) > joinedAt)) break;
          // Too far behind for one replay, or the user's replay budget does not cover the
          // rest: the client refetches (through history, budgeted the same way).
          this.resync(gate, options.channels ?? fresh, 'too_far_behind');
          return { replayed: sent.size, resync: true };
        }
      }
      this.metrics.replays.inc({ outcome: sent.size ? 'replayed' : 'empty' });
      this.metrics.replayedEvents.inc(sent.size);
      if (skipped) this.metrics.replaySkippedLive.inc(skipped);
      return { replayed: sent.size, resync: false };
    } finally {
      this.budget.charge(userId, sent.size);
      gate.open(sent, clientHas);
    }
  }

  private resync(gate: OutgoingGate, channels: string[], reason: ResyncReason): void {
    this.metrics.replays.inc({ outcome: reason });
    for (const channel of channels) emitSystemEvent(gate, 'system:resync', { channel, reason });
  }
}
