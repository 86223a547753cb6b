import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { MetricsService } from '../../core/observability';
import { EventLogService, NAMESPACES, RealtimePublisher, RealtimeServer, userRoom, type Transaction } from '../../core/realtime';
import { RedisService } from '../../core/redis';
import type { MessageDto } from './messaging.dto';
import { conversationRoom, type MessageEvent, type MessagingEvents } from './messaging.events';

/** Server → server (through the adapter): logged message bodies were rewritten, drop cached replay pages. */
const FORGET_CACHED_PAGES = 'messaging:forget-cached-pages';

/** The only code that emits the Messaging module's events. */
@Injectable()
export class MessagingPublisher extends RealtimePublisher<MessagingEvents> implements OnApplicationBootstrap {
  constructor(
    realtime: RealtimeServer,
    log: EventLogService,
    metrics: MetricsService,
    private readonly redis: RedisService,
  ) {
    super(NAMESPACES.app, realtime, log, metrics);
  }

  onApplicationBootstrap(): void {
    if (!this.redis.enabled) return;
    this.realtime.namespace(NAMESPACES.app)?.on(FORGET_CACHED_PAGES, () => this.eventLog.forgetCachedPages());
  }

  /**
   * After a transaction rewrote logged message bodies: every instance drops the replay
   * pages it keeps in memory, which may still hold the old bodies. Other instances hear it
   * through the adapter a moment later.
   */
  forgetCachedReplays(): void {
    this.eventLog.forgetCachedPages();
    if (!this.redis.enabled) return;
    try {
      this.realtime.namespace(NAMESPACES.app)?.serverSideEmit(FORGET_CACHED_PAGES);
    } catch (err) {
      // Redis unreachable: their pages expire within a minute anyway
      this.logger.warn(`could not ask other instances to drop cached replay pages: ${(err as Error).message}`);
    }
  }

  /**
   * To the conversation's room and every participant's own room in one emit, so a socket
   * in several of them receives it once. Stored in the transaction of the change it
   * announces; keyed by event, message and `editVersion` (the row's edit counter), so one
   * change is delivered once and two edits are two events even within one millisecond.
   */
  message(tx: Transaction, event: MessageEvent, message: MessageDto, participants: string[], editVersion: number) {
    return this.publishIn(
      tx,
      event,
      { conversationId: message.conversationId, message, senderId: message.senderId, recipients: participants },
      [conversationRoom(message.conversationId), ...participants.map(userRoom)],
      { idempotencyKey: `${event}:${message.id}:${editVersion}` },
    );
  }

  /** Transient: to the conversation's room, except every socket of the typing user. */
  typing(conversationId: string, userId: string): void {
    this.emit('conversations:typing', { conversationId, userId }, [conversationRoom(conversationId)], { except: [userRoom(userId)] });
  }
}
