import { Injectable } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { NAMESPACES, type ChannelAccess } from '../../core/realtime';
import { MessagingService } from './messaging.service';

const CONVERSATION_CHANNEL = /^conversation:(.+)$/;

/**
 * Messaging's channels, `conversation:<id>`: readable by the conversation's members. The
 * rule is the service's `canJoin`, the one `conversations:join` applies, so `subscribe`
 * and `GET /api/history` cannot drift from it.
 */
@Injectable()
export class MessagingChannels implements ChannelAccess {
  readonly namespace = NAMESPACES.app;

  constructor(private readonly messaging: MessagingService) {}

  matches(channel: string): boolean {
    return CONVERSATION_CHANNEL.test(channel);
  }

  canRead(user: Principal, channel: string): Promise<boolean> {
    const conversationId = CONVERSATION_CHANNEL.exec(channel)?.[1];
    return conversationId === undefined ? Promise.resolve(false) : this.messaging.canJoin(user.userId, conversationId);
  }
}
