import { ConnectedSocket, MessageBody, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import { ContractRegistry } from '../../core/contract';
import type { Namespace, Socket } from 'socket.io';
import { DomainError, parseInput } from '../../core/errors';
import { HeraldGateway, NAMESPACES, ReplayService, SocketPolicy, socketUser } from '../../core/realtime';
import { effectiveMinValue, isRoomOfChannel, subscriptionRooms } from './killmail-routing';
import { KILLMAIL_CONTRACT } from './killmail.contract';
import { subscribeInput, unsubscribeInput } from './killmail.dto';
import { KillmailService } from './killmail.service';

/** Inbound events are small (a channel list); anything bigger is refused by the policy. */
const MAX_EVENT_BYTES = 4096;

/**
 * `/ws/killmail`: any authenticated user may follow any channel (killmails are public
 * data). Subscribing maps channels and `minValue` to rooms (killmail-routing.ts);
 * subscribing again to a channel replaces its previous `minValue`.
 */
@HeraldGateway(NAMESPACES.killmail)
export class KillmailGateway implements OnGatewayInit {
  constructor(
    private readonly contract: ContractRegistry,
    private readonly policy: SocketPolicy,
    private readonly replay: ReplayService,
    private readonly killmails: KillmailService,
  ) {}

  afterInit(nsp: Namespace) {
    this.contract.describe(KILLMAIL_CONTRACT);
    this.policy.attach(nsp, { maxEventBytes: MAX_EVENT_BYTES });
  }

  @SubscribeMessage('subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { channels, minValue, since } = parseInput(subscribeInput, body);
    const user = socketUser(socket);
    // The rule GET /api/history applies too (KillmailChannels).
    if (!channels.every((c) => this.killmails.mayRead(user, c))) throw DomainError.forbidden('Unauthorized');
    const rooms = channels.flatMap((c) => subscriptionRooms(c, minValue));
    await this.leaveOthers(socket, channels, new Set(rooms));
    const result = await this.replay.join(socket, rooms, { since, channels });
    return { success: true, channels, minValue: effectiveMinValue(minValue), ...result };
  }

  @SubscribeMessage('unsubscribe')
  async unsubscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { channels } = parseInput(unsubscribeInput, body);
    await this.leaveOthers(socket, channels, new Set());
    return { success: true, channels };
  }

  /** Leaves the rooms of `channels` that are not in `keep` (a changed minValue, or unsubscribe). */
  private async leaveOthers(socket: Socket, channels: string[], keep: Set<string>): Promise<void> {
    const stale = [...socket.rooms].filter((room) => !keep.has(room) && channels.some((c) => isRoomOfChannel(room, c)));
    for (const room of stale) await socket.leave(room);
  }
}
