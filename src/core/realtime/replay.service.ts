import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { MetricsService } from '../observability/metrics.service';
import { encodeLoggedEvent } from './encoded-event';
import { EventLogService } from './event-log.service';
import { liveDeliveryLog } from './live-delivery-log';
import { OutgoingGate } from './outgoing-gate';
import { ReplayBudget } from './replay-budget.service';
import { SocketPolicy, socketUser } from './socket-policy.service';

const PAGE = 500;
/** A replay longer than this is answered with a resync instead (the client refetches). */
export const MAX_REPLAY_EVENTS = 10_000;

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
 * Joins rooms with optional replay (CONTRACTS §2): live broadcasts to the socket are held
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
    const gate = OutgoingGate.close(socket);
    const sent = new Set<string>();
    let skipped = 0;
    try {
      // Disconnected while an earlier replay of this socket ran: nothing to join or send.
      if (!(await this.policy.join(socket, rooms))) return { replayed: 0, resync: false };
      if (!fresh.length) return { replayed: 0, resync: false };
      if (BigInt(options.since) < (await this.log.prunedThrough())) {
        this.resync(gate, options.channels ?? fresh, 'history_expired');
        return { replayed: 0, resync: true };
      }
      const namespace = socket.nsp.name;
      let cursor = options.since;
      for (;;) {
        const size = Math.min(PAGE, allowance - sent.size);
        const page = await this.log.readAfter(namespace, fresh, cursor, size);
        for (const e of page) {
          // Also routed to a room the socket was live in: it has this event already.
          if (live?.deliveredLive(socket.id, e.offset, liveThrough)) {
            skipped++;
            continue;
          }
          gate.sendEncoded(encodeLoggedEvent(socket.nsp.server, namespace, e));
          sent.add(e.offset);
        }
        if (page.length < size) break;
        cursor = page[page.length - 1].offset;
        if (sent.size >= allowance) {
          // Exactly at the limit with nothing left: a complete replay, not a resync.
          if (!(await this.log.readAfter(namespace, fresh, cursor, 1)).length) break;
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
      gate.open(sent);
    }
  }

  private resync(gate: OutgoingGate, channels: string[], reason: 'history_expired' | 'too_far_behind'): void {
    this.metrics.replays.inc({ outcome: reason });
    for (const channel of channels) gate.send('system:resync', { channel, reason });
  }
}
