import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { parseInput } from '../../core/errors';
import { HeraldGateway, ReplayService, reportSocketError, SocketPolicy, toSocketError } from '../../core/realtime';
import { handshakeSince, subscribeMessage, unsubscribeMessage } from './dto/intelligence.dto';
import { DEFAULT_CHANNELS, INTELLIGENCE_NAMESPACE } from './intelligence.events';

/** Inbound events are tiny (a list of channel names); anything bigger is refused before a handler runs. */
const MAX_EVENT_BYTES = 16 * 1024;
/** Everything else a client sends is answered with `socket_error:bad_request` (`auth:refresh` is the kernel's). */
const HANDLED_EVENTS = new Set(['subscribe', 'unsubscribe', 'auth:refresh']);

const channelsOf = (socket: Socket) => [...socket.rooms].filter((room) => room !== socket.id);

/**
 * `/ws/intelligence` (CONTRACTS §3): JWT from the kernel; on connect the socket is in `all`
 * and the five category channels, with replay after the handshake's `since` when given;
 * `subscribe` / `unsubscribe` to the allowed channels, acked with the socket's channels.
 */
@HeraldGateway(INTELLIGENCE_NAMESPACE)
export class IntelligenceGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(IntelligenceGateway.name);

  constructor(
    private readonly policy: SocketPolicy,
    private readonly replay: ReplayService,
  ) {}

  afterInit(nsp: Namespace): void {
    this.policy.attach(nsp, { maxEventBytes: MAX_EVENT_BYTES });
    // After the kernel's JWT check: a malformed `since` refuses the connection rather than silently skipping the replay.
    nsp.use((socket, next) => {
      try {
        const auth = socket.handshake.auth as { since?: unknown } | undefined;
        socket.data.since = parseInput(handshakeSince, auth?.since ?? socket.handshake.query?.since, 'since');
        next();
      } catch (err) {
        const body = toSocketError(err);
        next(Object.assign(new Error(body.message), { data: body }));
      }
    });
  }

  async handleConnection(socket: Socket): Promise<void> {
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (typeof event === 'string' && HANDLED_EVENTS.has(event)) return;
      reportSocketError(socket, args[args.length - 1], {
        code: 'socket_error:bad_request',
        message: `unknown event ${String(event).slice(0, 64)}: this namespace accepts subscribe and unsubscribe`,
      });
    });
    try {
      // Rooms joined here are "already live" for later subscribes, so their replay happens now.
      await this.replay.join(socket, [...DEFAULT_CHANNELS], { since: (socket.data as { since?: string }).since });
    } catch (err) {
      reportSocketError(socket, undefined, toSocketError(err, this.logger));
    }
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { channels, since } = parseInput(subscribeMessage, body, 'subscribe');
    const { replayed, resync } = await this.replay.join(socket, channels, { since });
    return { success: true, channels: channelsOf(socket), ...(since !== undefined ? { replayed, resync } : {}) };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { channels } = parseInput(unsubscribeMessage, body, 'unsubscribe');
    for (const channel of channels) await socket.leave(channel);
    return { success: true, channels: channelsOf(socket) };
  }
}
