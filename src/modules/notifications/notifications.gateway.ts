import { Inject } from '@nestjs/common';
import type { OnGatewayConnection, OnGatewayInit } from '@nestjs/websockets';
import { ContractRegistry } from '../../core/contract';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { HeraldGateway, SocketPolicy, socketUser, userRoom } from '../../core/realtime';
import { APP_NAMESPACE } from './notifications.events';
import { NotificationsPublisher } from './notifications.publisher';
import { NOTIFICATIONS_CONTRACT } from './notifications.contract';

/**
 * `/ws/app` connection handling for notifications: the socket joins its user's room, then
 * hears `notifications:ready`. Notifications themselves arrive through the publisher.
 */
@HeraldGateway(APP_NAMESPACE)
export class NotificationsGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly contract: ContractRegistry,
    private readonly policy: SocketPolicy,
    private readonly publisher: NotificationsPublisher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(nsp: Namespace): void {
    this.contract.describe(NOTIFICATIONS_CONTRACT);
    this.policy.attach(nsp, { maxEventBytes: this.config.socket.maxPayloadBytes });
  }

  async handleConnection(socket: Socket): Promise<void> {
    const { userId } = socketUser(socket);
    await this.policy.join(socket, [userRoom(userId)]);
    this.publisher.ready(socket.id, userId);
  }
}
