import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '../../core/realtime';
import { TypingThrottle } from './messaging-typing.throttle';
import { MessagingController } from './messaging.controller';
import { APP_NAMESPACE } from './messaging.events';
import { MessagingGateway } from './messaging.gateway';
import { MessagingPublisher } from './messaging.publisher';
import { MessagingRepository } from './messaging.repository';
import { MessagingService } from './messaging.service';

const CONVERSATION_CHANNEL = /^conversation:(.+)$/;

/** Conversations and messages on `/ws/app` and over HTTP. */
@Module({
  controllers: [MessagingController],
  providers: [MessagingRepository, MessagingPublisher, TypingThrottle, MessagingService, MessagingGateway],
})
export class MessagingModule implements OnModuleInit {
  constructor(
    private readonly channels: ChannelRegistry,
    private readonly repository: MessagingRepository,
  ) {}

  /** GET /api/history?channel=conversation:<id> is for members, as joining is. */
  onModuleInit(): void {
    this.channels.register({
      namespace: APP_NAMESPACE,
      matches: (channel) => CONVERSATION_CHANNEL.test(channel),
      canRead: (user, channel) => this.repository.isParticipant(CONVERSATION_CHANNEL.exec(channel)![1], user.userId),
    });
  }
}
