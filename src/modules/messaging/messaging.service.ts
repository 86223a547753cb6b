import { Injectable } from '@nestjs/common';
import { hasRole, type Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { pageRequest, toPage, type Page } from '../../core/paging';
import { UnitOfWork } from '../../core/realtime';
import { MessagingTypingThrottle } from './messaging-typing.throttle';
import {
  toConversationDto,
  toMessageDto,
  type ConversationDto,
  type CreateConversationInput,
  type ListConversationsInput,
  type MessageDto,
  type MessageHistoryInput,
  type PostMessageInput,
} from './messaging.dto';
import { MessagingPublisher } from './messaging.publisher';
import { MessagingRepository } from './messaging.repository';

/**
 * Conversations and messages: membership decides who may join, read and post; only the
 * author edits; the author or an admin deletes, softly. Every change commits together with
 * its event (UnitOfWork), which is emitted after the commit to the conversation's room and
 * each participant's own room.
 */
@Injectable()
export class MessagingService {
  constructor(
    private readonly repository: MessagingRepository,
    private readonly publisher: MessagingPublisher,
    private readonly typingThrottle: MessagingTypingThrottle,
    private readonly uow: UnitOfWork,
  ) {}

  async createConversation(creatorId: string, input: CreateConversationInput): Promise<ConversationDto> {
    const participants = [...new Set([creatorId, ...input.participantIds])];
    if (participants.length < 2) throw DomainError.badRequest('participantIds: must name at least one other user');
    return toConversationDto(await this.repository.createConversation(creatorId, input.title, participants));
  }

  /** The user's conversations, most recent activity first; `before` continues after a conversation of theirs. */
  async listConversations(userId: string, query: ListConversationsInput): Promise<Page<ConversationDto>> {
    const before = query.before === undefined ? undefined : await this.repository.findConversationOf(userId, query.before);
    if (query.before !== undefined && !before) throw DomainError.badRequest('before: no such conversation of yours');
    const rows = await this.repository.listConversations(userId, pageRequest(query.limit), before ?? undefined);
    return toPage(rows, query.limit, toConversationDto, (row) => row.id);
  }

  /**
   * Whether the user may read the conversation's channel: join its room, subscribe to it,
   * read its history. The one membership rule of `conversations:join`, `subscribe` and
   * `GET /api/history`.
   */
  canJoin(userId: string, conversationId: string): Promise<boolean> {
    return this.repository.isParticipant(conversationId, userId);
  }

  /** `canJoin`, as a refusal. An unknown conversation and someone else's get the same one, so ids cannot be probed. */
  async assertCanJoin(userId: string, conversationId: string): Promise<void> {
    if (!(await this.canJoin(userId, conversationId))) throw notMember(conversationId);
  }

  /**
   * Posts a message (members only). A repeat of a `clientMessageId` returns the message
   * it first posted, unchanged, as a duplicate, and sends nothing new: the first attempt's
   * `messages:new` committed with the message, and the outbox emits it even if that
   * attempt died before emitting.
   */
  async postMessage(senderId: string, conversationId: string, input: PostMessageInput): Promise<{ message: MessageDto; duplicate: boolean }> {
    const participants = await this.membersOnly(senderId, conversationId);
    return this.uow.run(async (tx) => {
      const { row, created } = await this.repository.addMessage(tx, conversationId, senderId, input.body, input.clientMessageId);
      const message = toMessageDto(row);
      if (created) this.publisher.message(tx, 'messages:new', message, participants, row.editVersion);
      return { message, duplicate: !created };
    });
  }

  async editMessage(editorId: string, conversationId: string, messageId: string, body: string): Promise<MessageDto> {
    const participants = await this.membersOnly(editorId, conversationId);
    const existing = await this.repository.findMessage(conversationId, messageId);
    if (!existing) throw messageNotFound(messageId);
    if (existing.senderId !== editorId) throw DomainError.forbidden('only the author may edit a message');
    const message = await this.uow.run(async (tx) => {
      const row = await this.repository.editMessage(tx, conversationId, messageId, body, new Date());
      if (!row) throw DomainError.conflict(`message ${messageId} was deleted and cannot be edited`);
      const edited = toMessageDto(row);
      this.publisher.message(tx, 'messages:updated', edited, participants, row.editVersion);
      return edited;
    });
    this.publisher.forgetCachedReplays();
    await this.settleLoggedBodies(conversationId, messageId);
    return message;
  }

  /**
   * Soft delete by the author or an admin (who need not be a member). Idempotent: a repeat
   * changes nothing and publishes nothing (the first delete's `messages:deleted` committed
   * with it).
   */
  async deleteMessage(user: Principal, conversationId: string, messageId: string): Promise<MessageDto> {
    const isAdmin = hasRole(user, 'admin');
    const participants = await this.repository.participants(conversationId);
    if (!participants) throw conversationNotFound(conversationId);
    if (!isAdmin && !participants.includes(user.userId)) throw notMember(conversationId);
    const existing = await this.repository.findMessage(conversationId, messageId);
    if (!existing) throw messageNotFound(messageId);
    if (!isAdmin && existing.senderId !== user.userId) throw DomainError.forbidden('only the author or an admin may delete a message');
    const message = await this.uow.run(async (tx) => {
      const { row, deletedNow } = await this.repository.softDeleteMessage(tx, conversationId, messageId, user.userId, new Date());
      if (!row) throw messageNotFound(messageId);
      const deleted = toMessageDto(row);
      if (deletedNow) this.publisher.message(tx, 'messages:deleted', deleted, participants, row.editVersion);
      return deleted;
    });
    this.publisher.forgetCachedReplays();
    await this.settleLoggedBodies(conversationId, messageId);
    return message;
  }

  async history(userId: string, conversationId: string, query: MessageHistoryInput): Promise<Page<MessageDto>> {
    await this.membersOnly(userId, conversationId);
    const before = query.before === undefined ? undefined : await this.repository.findMessage(conversationId, query.before);
    if (query.before !== undefined && !before) throw DomainError.badRequest('before: no such message in this conversation');
    const rows = await this.repository.listMessages(conversationId, pageRequest(query.limit), before ?? undefined);
    return toPage(rows, query.limit, toMessageDto, (row) => row.id);
  }

  /** Relays a typing signal unless one was relayed for this user and conversation just before. */
  typing(userId: string, conversationId: string): boolean {
    if (!this.typingThrottle.allow(userId, conversationId)) return false;
    this.publisher.typing(conversationId, userId);
    return true;
  }

  /** The participants, when the user is one of them. */
  private async membersOnly(userId: string, conversationId: string): Promise<string[]> {
    const participants = await this.repository.participants(conversationId);
    if (!participants) throw conversationNotFound(conversationId);
    if (!participants.includes(userId)) throw notMember(conversationId);
    return participants;
  }

  /**
   * The edit or delete already rewrote the logged bodies in its transaction, but an event of
   * a concurrent edit may have been logged after that rewrite read the log and before it
   * committed. Once this change's own event is logged, the message is read again (under its
   * row lock: MessagingRepository.resyncLoggedBodies) and every logged copy brought to its
   * current body: whichever of two racing changes commits last leaves the log clean.
   */
  private async settleLoggedBodies(conversationId: string, messageId: string): Promise<void> {
    if ((await this.repository.resyncLoggedBodies(conversationId, messageId)) > 0) this.publisher.forgetCachedReplays();
  }
}

const conversationNotFound = (id: string) => DomainError.notFound(`conversation ${id} not found`);
const messageNotFound = (id: string) => DomainError.notFound(`message ${id} not found`);
const notMember = (id: string) => DomainError.forbidden(`not a member of conversation ${id}`);
