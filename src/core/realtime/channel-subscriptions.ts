import { Injectable, Logger } from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import { ids, parseInput } from '../errors';
import { ChannelRegistry } from './channel-registry';
import { latestLiveOffset } from './live-delivery-log';
import { ReplayService } from './replay.service';
import { isValidRoomName } from './rooms';
import { socketUser } from './socket-auth.service';
import { reportSocketError, toSocketError } from './socket-errors';

/** Most channels one `subscribe` / `unsubscribe` may name. */
const MAX_CHANNELS_PER_REQUEST = 50;

const channelList = z
  .array(z.string().refine(isValidRoomName, 'must be a channel name like conversation:42'))
  .min(1)
  .max(MAX_CHANNELS_PER_REQUEST);

/** `subscribe {channels, since?}`: the one subscribe request every namespace accepts. */
export const subscribeRequest = z.strictObject({ channels: channelList, since: ids.offset.optional() });
/** `unsubscribe {channels}`. */
export const unsubscribeRequest = z.strictObject({ channels: channelList });

/**
 * The one acknowledgement shape of `subscribe` and `unsubscribe` on every namespace:
 * `channels` the request covered, `replayed` events sent from the log (with `since`).
 */
export const subscribeAck = z.object({
  success: z.boolean(),
  channels: z.array(z.string()).optional(),
  replayed: z.number().int().nonnegative().optional().describe('Events sent from the log after `since`, before this ack'),
  resync: z.boolean().optional().describe('true when a system:resync was sent instead of a replay'),
  error: z.string().optional(),
  code: z.string().optional().describe('socket_error:* on failure'),
});
export type SubscribeAck = z.infer<typeof subscribeAck>;

/** Unknown and forbidden channels get this same answer, so ids cannot be probed. */
const NOT_ALLOWED = 'Unauthorized';

/**
 * The generic `subscribe {channels, since?}` / `unsubscribe {channels}` for namespaces whose
 * channels are registered in the ChannelRegistry (each with its access rule, the same one
 * GET /api/history and the module's own join events use). A gateway calls `install(nsp)`
 * once in `afterInit`; namespaces with their own channel semantics (intelligence,
 * killmail) keep their handlers, which answer with the same ack shape.
 */
@Injectable()
export class ChannelSubscriptions {
  private readonly logger = new Logger(ChannelSubscriptions.name);
  private readonly installed = new WeakSet<Namespace>();

  constructor(
    private readonly registry: ChannelRegistry,
    private readonly replay: ReplayService,
  ) {}

  /** Idempotent: several gateways may share one namespace. */
  install(nsp: Namespace): void {
    if (this.installed.has(nsp)) return;
    this.installed.add(nsp);
    nsp.on('connection', (socket: Socket) => {
      socket.on('subscribe', (body: unknown, ack?: unknown) => void this.answer(socket, ack, () => this.subscribe(socket, body)));
      socket.on(
        'unsubscribe',
        (body: unknown, ack?: unknown) => void this.answer(socket, ack, () => this.unsubscribe(socket, body)),
      );
    });
  }

  async subscribe(socket: Socket, body: unknown): Promise<SubscribeAck> {
    const { channels, since } = parseInput(subscribeRequest, body, 'subscribe');
    const unique = [...new Set(channels)];
    if (!(await this.mayRead(socket, unique))) return { success: false, error: NOT_ALLOWED, code: 'socket_error:forbidden' };
    if (since !== undefined) this.rejoinForReplay(socket, unique, since);
    const { replayed, resync } = await this.replay.join(socket, unique, { since });
    // An access revoked between the check and the join (a member removed) could not take
    // this socket out of rooms it was not in yet: check again now that it is.
    if (!(await this.mayRead(socket, unique))) {
      for (const channel of unique) await socket.leave(channel);
      return { success: false, error: NOT_ALLOWED, code: 'socket_error:forbidden' };
    }
    return { success: true, channels: unique, ...(since !== undefined ? { replayed, resync } : {}) };
  }

  async unsubscribe(socket: Socket, body: unknown): Promise<SubscribeAck> {
    const { channels } = parseInput(unsubscribeRequest, body, 'unsubscribe');
    const unique = [...new Set(channels)];
    for (const channel of unique) await socket.leave(channel);
    return { success: true, channels: unique };
  }

  /**
   * A replay covers only channels the socket is not in yet. A channel it was put in on
   * connect (its `user:<id>` room) has had nothing delivered after `since` as long as no
   * logged event reached the socket: then leaving it first lets the replay cover it with
   * no duplicate. Otherwise it stays as it is (a replay would repeat what arrived live).
   */
  private rejoinForReplay(socket: Socket, channels: string[], since: string): void {
    const latest = latestLiveOffset(socket);
    if (latest !== undefined && BigInt(latest) > BigInt(since)) return;
    // Local room state changes synchronously with every adapter Herald uses.
    for (const channel of channels) if (socket.rooms.has(channel)) void socket.leave(channel);
  }

  private async mayRead(socket: Socket, channels: string[]): Promise<boolean> {
    const user = socketUser(socket);
    for (const channel of channels) {
      const access = this.registry.find(channel, socket.nsp.name);
      if (!access || !(await access.canRead(user, channel))) return false;
    }
    return true;
  }

  private async answer(socket: Socket, ack: unknown, handle: () => Promise<SubscribeAck>): Promise<void> {
    try {
      const reply = await handle();
      if (typeof ack === 'function') (ack as (r: SubscribeAck) => void)(reply);
      else if (!reply.success) reportSocketError(socket, undefined, { code: reply.code!, message: reply.error! });
    } catch (err) {
      reportSocketError(socket, ack, toSocketError(err, this.logger));
    }
  }
}
