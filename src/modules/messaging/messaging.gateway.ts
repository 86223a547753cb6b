import { Inject, Logger } from '@nestjs/common';
import { Ack, ConnectedSocket, MessageBody, SubscribeMessage, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import { ContractRegistry } from '../../core/contract';
import type { Namespace, Socket } from 'socket.io';
import { APP_CONFIG, type AppConfig } from '../../config';
import { DomainError, parseInput } from '../../core/errors';
import {
  ChannelSubscriptions,
  HeraldGateway,
  NAMESPACES,
  ReplayService,
  SocketPolicy,
  failureAck,
  reportSocketError,
  socketUser,
  toSocketError,
  userRoom,
} from '../../core/realtime';
import { conversationInput, joinConversationInput } from './messaging.dto';
import { conversationRoom, type JoinAck } from './messaging.events';
import { MessagingService } from './messaging.service';
import { MESSAGING_CONTRACT } from './messaging.contract';

type AckFn = (response: unknown) => void;

/**
 * `/ws/app` conversation rooms: join (membership checked, optional replay), leave, and
 * typing signals. Messages themselves are posted over HTTP and arrive through the publisher.
 */
@HeraldGateway(NAMESPACES.app)
export class MessagingGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(MessagingGateway.name);

  constructor(
    private readonly contract: ContractRegistry,
    private readonly policy: SocketPolicy,
    private readonly replay: ReplayService,
    private readonly messaging: MessagingService,
    private readonly subscriptions: ChannelSubscriptions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  afterInit(nsp: Namespace): void {
    this.contract.describe(MESSAGING_CONTRACT);
    this.policy.attach(nsp, { maxEventBytes: this.config.socket.maxPayloadBytes });
    // `subscribe {channels: ['conversation:<id>'], since?}`: the same membership rule as `conversations:join`.
    this.subscriptions.install(nsp);
  }

  /** Message events also go to `user:<id>`; joining is idempotent, whoever else joins it too. */
  async handleConnection(socket: Socket): Promise<void> {
    await this.policy.join(socket, [userRoom(socketUser(socket).userId)]);
  }

  /**
   * `conversations:join {conversationId, since?}` → `{success, message}`. A non-member (or
   * an unknown id) is refused and joins nothing; with `since`, missed events of the
   * conversation are replayed before live ones.
   */
  @SubscribeMessage('conversations:join')
  async join(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown, @Ack() ack?: AckFn): Promise<void> {
    try {
      const { conversationId, since } = parseInput(joinConversationInput, body);
      await this.messaging.assertCanJoin(socketUser(socket).userId, conversationId);
      const result = await this.replay.join(socket, [conversationRoom(conversationId)], { since });
      const reply: JoinAck = { success: true, conversationId, message: `joined conversation ${conversationId}`, ...result };
      ack?.(reply);
    } catch (err) {
      this.refuse(socket, ack, err);
    }
  }

  /** `conversations:leave {conversationId}`: the socket still hears the conversation through `user:<id>`. */
  @SubscribeMessage('conversations:leave')
  async leave(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { conversationId } = parseInput(conversationInput, body);
    await socket.leave(conversationRoom(conversationId));
    return { success: true, conversationId };
  }

  /**
   * `conversations:typing {conversationId}`: only from a socket that joined the conversation
   * (membership was checked then); relayed to the other members, at most once a second.
   */
  @SubscribeMessage('conversations:typing')
  typing(@ConnectedSocket() socket: Socket, @MessageBody() body: unknown) {
    const { conversationId } = parseInput(conversationInput, body);
    if (!socket.rooms.has(conversationRoom(conversationId))) {
      throw DomainError.forbidden(`join conversation ${conversationId} before signalling typing`);
    }
    const relayed = this.messaging.typing(socketUser(socket).userId, conversationId);
    return { success: true, relayed };
  }

  /** The app client reads `ack.message`; other clients read the kernel's `error` and `code`: the refusal carries both. */
  private refuse(socket: Socket, ack: AckFn | undefined, err: unknown): void {
    const error = toSocketError(err, this.logger);
    if (ack) {
      const reply: JoinAck = { ...failureAck(error.code, error.message, error.retryInMs), message: error.message };
      ack(reply);
    } else {
      reportSocketError(socket, undefined, error);
    }
  }
}
