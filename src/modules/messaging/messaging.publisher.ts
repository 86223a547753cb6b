import { Injectable } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import { EventLogService, RealtimePublisher, RealtimeServer, userRoom, type Transaction } from '../../core/realtime';
import { APP_NAMESPACE, conversationRoom, type MessageDto, type MessageEvent, type MessagingEvents } from './messaging.events';

/** The only code that emits the Messaging module's events. */
@Injectable()
export class MessagingPublisher extends RealtimePublisher<MessagingEvents> {
  constructor(realtime: RealtimeServer, log: EventLogService, metrics: MetricsService) {
    super(APP_NAMESPACE, realtime, log, metrics);
  }

  /**
   * To the conversation's room and every participant's own room in one emit, so a socket
   * in several of them receives it once. Stored in the transaction of the change it
   * announces; keyed by message and version, so one change is delivered once.
   */
  message(tx: Transaction, event: MessageEvent, message: MessageDto, participants: string[]) {
    const version = message.deletedAt ?? message.editedAt ?? message.createdAt;
    return this.publishIn(
      tx,
      event,
      { conversationId: message.conversationId, message, senderId: message.senderId, recipients: participants },
      [conversationRoom(message.conversationId), ...participants.map(userRoom)],
      { idempotencyKey: `${event}:${message.id}:${version}` },
    );
  }

  /** Transient: to the conversation's room, except every socket of the typing user. */
  typing(conversationId: string, userId: string): void {
    this.emit('conversations:typing', { conversationId, userId }, [conversationRoom(conversationId)], { except: [userRoom(userId)] });
  }
}
