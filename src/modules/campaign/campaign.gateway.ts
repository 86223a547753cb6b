import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage } from '@nestjs/websockets';
import { ContractRegistry } from '../../core/contract';
import type { Namespace, Socket } from 'socket.io';
import { parseInput } from '../../core/errors';
import { ChannelSubscriptions, failureAck, HeraldGateway, NAMESPACES, ReplayService, SocketPolicy, socketUser, userRoom, type AckFailure } from '../../core/realtime';
import { CampaignMembershipService, type Room } from './campaign-membership.service';
import { campaignRoom, settlementRoom, structureRoom } from './campaign.events';
import {
  subscribeCampaignInput,
  subscribeSettlementInput,
  subscribeStructureInput,
  unsubscribeCampaignInput,
  unsubscribeSettlementInput,
  unsubscribeStructureInput,
} from './campaign.dto';
import { CAMPAIGN_CONTRACT } from './campaign.contract';

type SubscriptionAck = { success: true } | AckFailure;

/** Unknown and forbidden ids get this same answer, so ids cannot be probed. */
const UNAUTHORIZED = failureAck('socket_error:forbidden', 'Unauthorized');
const OK: SubscriptionAck = { success: true };

const ROOM_OF: Record<Room['kind'], (id: string) => string> = {
  campaign: campaignRoom,
  settlement: settlementRoom,
  structure: structureRoom,
};

/**
 * `/ws/campaign`: JWT checked by the kernel policy before connect; each socket joins
 * `user:<sub>` so revocations can find it on any instance. Subscriptions are checked
 * through the campaign the room belongs to.
 */
@HeraldGateway(NAMESPACES.campaign)
export class CampaignGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(CampaignGateway.name);

  constructor(
    private readonly contract: ContractRegistry,
    private readonly policy: SocketPolicy,
    private readonly replay: ReplayService,
    private readonly membership: CampaignMembershipService,
    private readonly subscriptions: ChannelSubscriptions,
  ) {}

  afterInit(nsp: Namespace): void {
    this.contract.describe(CAMPAIGN_CONTRACT);
    this.policy.attach(nsp);
    // `subscribe {channels: ['campaign:<id>', 'settlement:<id>', 'structure:<id>'], since?}`:
    // the access rule of CampaignChannels, which asks what the `subscribe_*` aliases below ask.
    this.subscriptions.install(nsp);
  }

  async handleConnection(socket: Socket): Promise<void> {
    try {
      await this.policy.join(socket, [userRoom(socketUser(socket).userId)]);
    } catch (err) {
      // Without its user room a socket could not be revoked: refuse it rather than leak.
      this.logger.warn(`closing ${socket.id}: could not join its user room: ${(err as Error).message}`);
      socket.disconnect(true);
    }
  }

  @SubscribeMessage('subscribe_campaign')
  subscribeCampaign(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    const { campaignId, since } = parseInput(subscribeCampaignInput, body);
    return this.subscribe(socket, { kind: 'campaign', id: campaignId }, since);
  }

  @SubscribeMessage('subscribe_settlement')
  subscribeSettlement(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    const { settlementId, since } = parseInput(subscribeSettlementInput, body);
    return this.subscribe(socket, { kind: 'settlement', id: settlementId }, since);
  }

  @SubscribeMessage('subscribe_structure')
  subscribeStructure(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    const { structureId, since } = parseInput(subscribeStructureInput, body);
    return this.subscribe(socket, { kind: 'structure', id: structureId }, since);
  }

  @SubscribeMessage('unsubscribe_campaign')
  unsubscribeCampaign(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    return this.leave(socket, campaignRoom(parseInput(unsubscribeCampaignInput, body).campaignId));
  }

  @SubscribeMessage('unsubscribe_settlement')
  unsubscribeSettlement(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    return this.leave(socket, settlementRoom(parseInput(unsubscribeSettlementInput, body).settlementId));
  }

  @SubscribeMessage('unsubscribe_structure')
  unsubscribeStructure(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown): Promise<SubscriptionAck> {
    return this.leave(socket, structureRoom(parseInput(unsubscribeStructureInput, body).structureId));
  }

  private async subscribe(socket: Socket, room: Room, since: string | undefined): Promise<SubscriptionAck> {
    const { userId } = socketUser(socket);
    if (!(await this.membership.campaignOfRoom(room, userId))) return UNAUTHORIZED;
    const name = ROOM_OF[room.kind](room.id);
    await this.replay.join(socket, [name], { since });
    // A removal (or deletion) that landed between the check and the join revoked the
    // rooms before this socket was in them: check again now that it is.
    if (!(await this.membership.campaignOfRoom(room, userId))) {
      await socket.leave(name);
      return UNAUTHORIZED;
    }
    return OK;
  }

  private async leave(socket: Socket, room: string): Promise<SubscriptionAck> {
    await socket.leave(room);
    return OK;
  }
}
