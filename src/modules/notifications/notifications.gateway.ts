import { Inject } from '@nestjs/common';
import type { OnGatewayConnection, OnGatewayInit } from '@nestjs/websockets';
import { ContractRegistry } from '../../core/contract';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { HeraldGateway, NAMESPACES, SocketPolicy, socketUser } from '../../core/realtime';
import { NOTIFICATIONS_CONTRACT } from './notifications.contract';
import { NotificationsPublisher } from './notifications.publisher';
import { NotificationsService } from './notifications.service';

/**
 * `/ws/app` connection handling for notifications: the socket joins its user's room, then
 * hears `notifications:ready`. Notifications themselves arrive through the publisher.
 */
@HeraldGateway(NAMESPACES.app)
export class NotificationsGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly contract: ContractRegistry,
    private readonly policy: SocketPolicy,
    private readonly publisher: NotificationsPublisher,
    private readonly notifications: NotificationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(nsp: Namespace): void {
    this.contract.describe(NOTIFICATIONS_CONTRACT);
    this.policy.attach(nsp, { maxEventBytes: this.config.socket.maxPayloadBytes });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const { userId } = socketUser(socket);
    await this.policy.join(socket, this.notifications.channelsOf(userId));
    this.publisher.ready(socket.id, userId);
  }
}
