import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import { ContractRegistry } from '../../core/contract';
import type { Namespace, Socket } from 'socket.io';
import { DomainError, parseInput } from '../../core/errors';
import { HeraldGateway, latestLiveOffset, NAMESPACES, ReplayService, reportSocketError, SocketPolicy, socketUser, toSocketError } from '../../core/realtime';
import { INTELLIGENCE_CONTRACT } from './intelligence.contract';
import { handshakeSinceInput, subscribeInput, unsubscribeInput } from './intelligence.dto';
import { DEFAULT_CHANNELS } from './intelligence.events';
import { IntelligenceService } from './intelligence.service';

/** Inbound events are tiny (a list of channel names); anything bigger is refused before a handler runs. */
const MAX_EVENT_BYTES = 16 * 1024;
/** Everything else a client sends is answered with `socket_error:bad_request` (`auth:refresh` is the kernel's). */
const HANDLED_EVENTS = new Set(['subscribe', 'unsubscribe', 'auth:refresh']);

const channelsOf = (socket: Socket) => [...socket.rooms].filter((room) => room !== socket.id);

interface IntelligenceSocketData {
  since?: string;
  /** Channels joined on connect without a replay, whose history a later `subscribe … since` may still ask for. */
  joinedWithoutReplay?: Set<string>;
}
const dataOf = (socket: Socket) => socket.data as IntelligenceSocketData;

/**
 * `/ws/intelligence` (docs/modules/intelligence.md): JWT from the kernel; on connect the socket is in `all`
 * and the five category channels, with replay after the handshake's `since` when given;
 * `subscribe` / `unsubscribe` to the allowed channels, acked with the socket's channels.
 */
@HeraldGateway(NAMESPACES.intelligence)
export class IntelligenceGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(IntelligenceGateway.name);

  constructor(
    private readonly contract: ContractRegistry,
    private readonly policy: SocketPolicy,
    private readonly replay: ReplayService,
    private readonly intelligence: IntelligenceService,
  ) {}

  afterInit(nsp: Namespace): void {
    this.contract.describe(INTELLIGENCE_CONTRACT);
    this.policy.attach(nsp, { maxEventBytes: MAX_EVENT_BYTES });
    // After the kernel's JWT check: a malformed `since` refuses the connection rather than silently skipping the replay.
    nsp.use((socket, next) => {
      try {
        const auth = socket.handshake.auth as { since?: unknown } | undefined;
        socket.data.since = parseInput(handshakeSinceInput, auth?.since ?? socket.handshake.query?.since, 'since');
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
      const { since } = dataOf(socket);
      if (since === undefined) dataOf(socket).joinedWithoutReplay = new Set(DEFAULT_CHANNELS);
      await this.replay.join(socket, [...DEFAULT_CHANNELS], { since });
    } catch (err) {
      reportSocketError(socket, undefined, toSocketError(err, this.logger));
    }
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { channels, since } = parseInput(subscribeInput, body, 'subscribe');
    const user = socketUser(socket);
    const refused = channels.find((channel) => !this.intelligence.canRead(user, channel));
    if (refused !== undefined) throw DomainError.forbidden(`not allowed to read ${refused}`);
    if (since !== undefined) this.rejoinForReplay(socket, channels, since);
    const { replayed, resync } = await this.replay.join(socket, channels, { since });
    return { success: true, channels: channelsOf(socket), ...(since !== undefined ? { replayed, resync } : {}) };
  }

  /**
   * The replay only covers channels the socket is not in yet (events of the others were
   * delivered live). A client that reconnects and then asks for the channels it was put in
   * on connect (say `all`) has missed their earlier events, though: when nothing after
   * `since` has been delivered to this socket yet, leaving those channels first lets the
   * replay cover them without any duplicate. This happens once per channel; otherwise the
   * channels are left as they are (replaying them would repeat what was delivered). The
   * handshake's `since` is the exact way to replay them.
   */
  private rejoinForReplay(socket: Socket, channels: string[], since: string): void {
    const { joinedWithoutReplay } = dataOf(socket);
    const latest = latestLiveOffset(socket);
    if (!joinedWithoutReplay?.size || (latest !== undefined && BigInt(latest) > BigInt(since))) return;
    for (const channel of channels) {
      if (!joinedWithoutReplay.delete(channel) || !socket.rooms.has(channel)) continue;
      // Local room state changes synchronously with every adapter Herald uses.
      void socket.leave(channel);
    }
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { channels } = parseInput(unsubscribeInput, body, 'unsubscribe');
    for (const channel of channels) {
      dataOf(socket).joinedWithoutReplay?.delete(channel);
      await socket.leave(channel);
    }
    return { success: true, channels: channelsOf(socket) };
  }
}
