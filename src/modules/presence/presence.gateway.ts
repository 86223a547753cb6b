import { Inject, Logger } from '@nestjs/common';
import { ConnectedSocket, OnGatewayConnection, OnGatewayDisconnect, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import { ContractRegistry } from '../../core/contract';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { HeraldGateway, NAMESPACES, SocketPolicy, failureAck, socketUser, userRoom } from '../../core/realtime';
import { PRESENCE_HEARTBEAT } from './presence.events';
import { PresenceHeartbeatLimiter } from './presence-heartbeat.limiter';
import { PresencePublisher } from './presence.publisher';
import { PresenceService } from './presence.service';
import { PRESENCE_CONTRACT } from './presence.contract';

/**
 * Presence on `/ws/app` (shared with Notifications and Messaging, whose gateways attach
 * the same policy: attach is idempotent). Connect and disconnect feed the presence
 * service without ever holding up or failing the connection.
 */
@HeraldGateway(NAMESPACES.app)
export class PresenceGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(PresenceGateway.name);
  private readonly heartbeats: PresenceHeartbeatLimiter;

  constructor(
    private readonly contract: ContractRegistry,
    private readonly policy: SocketPolicy,
    private readonly presence: PresenceService,
    private readonly publisher: PresencePublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.heartbeats = new PresenceHeartbeatLimiter(config.presenceHeartbeatsPerMinute);
  }

  afterInit(nsp: Namespace): void {
    this.contract.describe(PRESENCE_CONTRACT);
    this.policy.attach(nsp, { maxEventBytes: this.config.socket.maxPayloadBytes });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const { userId } = socketUser(socket);
    try {
      // Heartbeat updates go to user:<id>; the Notifications gateway joins it too, in whatever order.
      await this.policy.join(socket, [userRoom(userId)]);
    } catch (err) {
      this.logger.warn(`socket ${socket.id} could not join its user room: ${(err as Error).message}`);
    }
    if (!socket.connected) return; // gone while joining: nothing to record
    await this.presence.connected({
      socketId: socket.id,
      userId,
      userAgent: headerValue(socket.handshake.headers['user-agent']),
      ip: this.policy.clientAddress(socket) || null,
    });
  }

  async handleDisconnect(socket: Socket): Promise<void> {
    await this.presence.disconnected(socket.id);
  }

  /**
   * Payload ignored; the ack, when asked for, says whether it was recorded. Beyond
   * PRESENCE_HEARTBEATS_PER_MINUTE per socket a heartbeat is not recorded and is acked
   * `socket_error:rate_limited` with `retryInMs` (the socket stays connected).
   */
  @SubscribeMessage(PRESENCE_HEARTBEAT)
  async heartbeat(@ConnectedSocket() socket: Socket) {
    const retryInMs = this.heartbeats.take(socket);
    if (retryInMs > 0) return failureAck('socket_error:rate_limited', 'too many heartbeats', retryInMs);
    if (await this.presence.heartbeat(socket.id)) return { success: true };
    return failureAck('socket_error:unavailable', 'presence is temporarily unavailable');
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  return v ? v : null;
}
