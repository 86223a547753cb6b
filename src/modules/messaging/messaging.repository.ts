import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import { rewriteLoggedPayloads, type RawSqlExecutor } from '../../core/realtime';
import type { Conversation, ConversationParticipant, Message, Prisma } from '../../generated/prisma/client';
import { APP_NAMESPACE, conversationRoom } from './messaging.events';

export type MessageRow = Message;
export type ConversationRow = Conversation & { participants: Pick<ConversationParticipant, 'userId'>[] };

const withParticipants = { participants: { select: { userId: true }, orderBy: { userId: 'asc' } } } satisfies Prisma.ConversationInclude;

/**
 * The only code touching conversations, their participants and messages (one aggregate:
 * a message never exists outside its conversation). Message queries always name the
 * conversation, so a message id from elsewhere is simply not found.
 */
@Injectable()
export class MessagingRepository {
  constructor(private readonly prisma: PrismaService) {}

  async createConversation(createdBy: string, title: string | undefined, participantIds: string[]): Promise<ConversationRow> {
    return this.prisma.conversation.create({
      data: {
        createdBy,
        title: title ?? null,
        participants: { createMany: { data: participantIds.map((userId) => ({ userId })) } },
      },
      include: withParticipants,
    });
  }

  /** The user's conversations, most recent activity first. */
  async listConversations(userId: string, limit: number): Promise<ConversationRow[]> {
    return this.prisma.conversation.findMany({
      where: { participants: { some: { userId } } },
      orderBy: [{ lastMessageAt: { sort: 'desc', nulls: 'last' } }, { createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      include: withParticipants,
    });
  }

  /** Participant ids, or undefined when the conversation does not exist. */
  async participants(conversationId: string): Promise<string[] | undefined> {
    const conversation = await this.prisma.conversation.findUnique({
      where: { id: conversationId },
      select: withParticipants,
    });
    return conversation?.participants.map((p) => p.userId);
  }

  async isParticipant(conversationId: string, userId: string): Promise<boolean> {
    const row = await this.prisma.conversationParticipant.findUnique({
      where: { conversationId_userId: { conversationId, userId } },
      select: { userId: true },
    });
    return row !== null;
  }

  /**
   * Stores a message and moves the conversation's activity time. With a `clientMessageId`
   * the sender already used in this conversation, nothing is stored and the message that
   * id names is returned (`created: false`), also when two retries race: the unique index
   * makes the loser wait for the winner's commit, and the read after it is a new statement
   * that sees the winner's row.
   */
  async addMessage(conversationId: string, senderId: string, body: string, clientMessageId?: string): Promise<{ row: MessageRow; created: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      const [message] = await tx.message.createManyAndReturn({
        data: [{ conversationId, senderId, body, clientMessageId: clientMessageId ?? null }],
        skipDuplicates: true,
      });
      if (message) {
        await tx.conversation.update({ where: { id: conversationId }, data: { lastMessageAt: message.createdAt } });
        return { row: message, created: true };
      }
      const existing = await tx.message.findUnique({
        where: { conversationId_senderId_clientMessageId: { conversationId, senderId, clientMessageId: clientMessageId! } },
      });
      if (!existing) throw new Error(`message with client id ${clientMessageId} neither stored nor found`);
      return { row: existing, created: false };
    });
  }

  async findMessage(conversationId: string, messageId: string): Promise<MessageRow | null> {
    return this.prisma.message.findFirst({ where: { id: messageId, conversationId } });
  }

  /**
   * Replaces the body of a message that is not deleted; undefined when it was deleted
   * meanwhile. In the same transaction, every logged event of the message gets the new
   * body: the previous ones cannot be read back through replay or history (the caller then
   * has cached replay pages dropped).
   */
  async editMessage(conversationId: string, messageId: string, body: string, at: Date): Promise<MessageRow | undefined> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.message.updateMany({
        where: { id: messageId, conversationId, deletedAt: null },
        data: { body, status: 'edited', editedAt: at },
      });
      if (!count) return undefined;
      const edited = await tx.message.findFirst({ where: { id: messageId, conversationId } });
      if (edited) await scrubLoggedBodies(tx, edited);
      return edited ?? undefined;
    });
  }

  /**
   * Soft delete: the body goes, the row and id stay, and in the same transaction the body
   * goes from every logged event of the message. A message already deleted keeps its first deletion.
   */
  async softDeleteMessage(conversationId: string, messageId: string, by: string, at: Date): Promise<MessageRow | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.message.updateMany({
        where: { id: messageId, conversationId, deletedAt: null },
        data: { body: null, status: 'deleted', deletedAt: at, deletedBy: by },
      });
      const deleted = await tx.message.findFirst({ where: { id: messageId, conversationId } });
      if (deleted) await scrubLoggedBodies(tx, deleted);
      return deleted;
    });
  }

  /**
   * Makes every logged event of the message carry its current body (null once deleted).
   * For an event logged after the edit or delete that superseded it: a publish that was
   * already on its way when the change committed.
   */
  /** Resolves with the number of logged events rewritten. */
  resyncLoggedBodies(message: MessageRow): Promise<number> {
    return scrubLoggedBodies(this.prisma, message);
  }

  /** Newest first; `before` pages on (createdAt, id) so equal timestamps never skip or repeat rows. */
  async listMessages(conversationId: string, limit: number, before: Pick<MessageRow, 'id' | 'createdAt'> | undefined): Promise<MessageRow[]> {
    const where: Prisma.MessageWhereInput = { conversationId };
    if (before) {
      where.OR = [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }];
    }
    return this.prisma.message.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
  }
}

/**
 * Message events are logged to the conversation's room (among others), after the message was
 * created; a minute of slack covers clock differences between the database and this process.
 */
const LOG_TIME_SLACK_MS = 60_000;

function scrubLoggedBodies(tx: RawSqlExecutor, message: MessageRow): Promise<number> {
  return rewriteLoggedPayloads(tx, {
    namespace: APP_NAMESPACE,
    room: conversationRoom(message.conversationId),
    loggedSince: new Date(message.createdAt.getTime() - LOG_TIME_SLACK_MS),
    where: { path: ['message', 'id'], equals: message.id },
    set: { path: ['message', 'body'], value: message.deletedAt ? null : message.body },
  });
}
