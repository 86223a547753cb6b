import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '../../core/realtime';
import { MessagingChannels } from './messaging.channels';
import { MessagingTypingThrottle } from './messaging-typing.throttle';
import { MessagingController } from './messaging.controller';
import { MessagingGateway } from './messaging.gateway';
import { MessagingPublisher } from './messaging.publisher';
import { MessagingRepository } from './messaging.repository';
import { MessagingService } from './messaging.service';

/** Conversations and messages on `/ws/app` and over HTTP. */
@Module({
  controllers: [MessagingController],
  providers: [MessagingRepository, MessagingPublisher, MessagingTypingThrottle, MessagingService, MessagingChannels, MessagingGateway],
})
export class MessagingModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly channels: MessagingChannels,
  ) {}

  /** GET /api/history?channel=conversation:<id> and `subscribe` are for members, as joining is. */
  onModuleInit(): void {
    this.registry.register(this.channels);
  }
}
