import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import { NAMESPACES, rewriteLoggedPayloads, type RawSqlExecutor, type Transaction } from '../../core/realtime';
import type { Conversation, ConversationParticipant, Message, Prisma } from '../../generated/prisma/client';
import { conversationRoom } from './messaging.events';

export type MessageRow = Message;
type ConversationRow = Conversation & { participants: Pick<ConversationParticipant, 'userId'>[] };

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

  /**
   * The user's conversations, most recent activity first (never-used ones last), then
   * newest; `before` continues after that conversation on the same (lastMessageAt,
   * createdAt, id) order, so equal timestamps never skip or repeat rows.
   */
  async listConversations(userId: string, limit: number, before?: Conversation): Promise<ConversationRow[]> {
    const where: Prisma.ConversationWhereInput = { participants: { some: { userId } } };
    if (before) where.AND = [after(before)];
    return this.prisma.conversation.findMany({
      where,
      orderBy: [{ lastMessageAt: { sort: 'desc', nulls: 'last' } }, { createdAt: 'desc' }, { id: 'desc' }],
      take: limit,
      include: withParticipants,
    });
  }

  /** The conversation, when the user is one of its participants. */
  async findConversationOf(userId: string, conversationId: string): Promise<Conversation | null> {
    return this.prisma.conversation.findFirst({ where: { id: conversationId, participants: { some: { userId } } } });
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
   * that sees the winner's row. Runs in the caller's transaction, with the events it causes.
   */
  async addMessage(
    { db: tx }: Transaction,
    conversationId: string,
    senderId: string,
    body: string,
    clientMessageId?: string,
  ): Promise<{ row: MessageRow; created: boolean }> {
    {
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
    }
  }

  async findMessage(conversationId: string, messageId: string, tx?: Transaction): Promise<MessageRow | null> {
    return (tx?.db ?? this.prisma).message.findFirst({ where: { id: messageId, conversationId } });
  }

  /**
   * Replaces the body of a message that is not deleted; undefined when it was deleted
   * meanwhile. In the caller's transaction (which also logs the edit's event), every logged
   * event of the message gets the new body: the previous ones cannot be read back through
   * replay or history (the caller then has cached replay pages dropped).
   */
  async editMessage(tx: Transaction, conversationId: string, messageId: string, body: string, at: Date): Promise<MessageRow | undefined> {
    const { count } = await tx.db.message.updateMany({
      where: { id: messageId, conversationId, deletedAt: null },
      data: { body, status: 'edited', editedAt: at, editVersion: { increment: 1 } },
    });
    if (!count) return undefined;
    const edited = await this.findMessage(conversationId, messageId, tx);
    if (edited) await scrubLoggedBodies(tx.db, edited);
    return edited ?? undefined;
  }

  /**
   * Soft delete: the body goes, the row and id stay, and in the caller's transaction the body
   * goes from every logged event of the message. A message already deleted keeps its first
   * deletion (`deletedNow` false).
   */
  async softDeleteMessage(
    tx: Transaction,
    conversationId: string,
    messageId: string,
    by: string,
    at: Date,
  ): Promise<{ row: MessageRow | null; deletedNow: boolean }> {
    const { count } = await tx.db.message.updateMany({
      where: { id: messageId, conversationId, deletedAt: null },
      data: { body: null, status: 'deleted', deletedAt: at, deletedBy: by },
    });
    const deleted = await this.findMessage(conversationId, messageId, tx);
    if (deleted) await scrubLoggedBodies(tx.db, deleted);
    return { row: deleted, deletedNow: count === 1 };
  }

  /**
   * Makes every logged event of the message carry its current body (null once deleted).
   * For an event logged after the edit or delete that superseded it: a publish that was
   * already on its way when the change committed. Resolves with the number of logged
   * events rewritten.
   *
   * The message's row is locked first and read after the lock is granted, and the rewrite
   * commits before the lock is let go: an edit or delete (which updates that row first in
   * its transaction) is either committed before this reads the body or waits until this
   * rewrite is done, and two resyncs take turns. Without the lock, a resync that had read
   * an edited body could write it back over a delete's scrub that committed in between.
   */
  resyncLoggedBodies(conversationId: string, messageId: string): Promise<number> {
    return this.prisma.$transaction(async (db) => {
      await db.$executeRawUnsafe('SELECT 1 FROM messages WHERE id = $1 AND conversation_id = $2 FOR UPDATE', messageId, conversationId);
      const current = await db.message.findFirst({ where: { id: messageId, conversationId } });
      return current ? scrubLoggedBodies(db, current) : 0;
    });
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

/** Conversations after `before` in the list order (lastMessageAt desc nulls last, createdAt desc, id desc). */
function after(before: Conversation): Prisma.ConversationWhereInput {
  const sameCreation: Prisma.ConversationWhereInput[] = [
    { createdAt: { lt: before.createdAt } },
    { createdAt: before.createdAt, id: { lt: before.id } },
  ];
  if (before.lastMessageAt === null) return { lastMessageAt: null, OR: sameCreation };
  return {
    OR: [
      { lastMessageAt: { lt: before.lastMessageAt } },
      { lastMessageAt: null },
      ...sameCreation.map((c) => ({ lastMessageAt: before.lastMessageAt, ...c })),
    ],
  };
}

/**
 * Message events are logged to the conversation's room (among others), after the message was
 * created; a minute of slack covers clock differences between the database and this process.
 */
const LOG_TIME_SLACK_MS = 60_000;

function scrubLoggedBodies(tx: RawSqlExecutor, message: MessageRow): Promise<number> {
  return rewriteLoggedPayloads(tx, {
    namespace: NAMESPACES.app,
    room: conversationRoom(message.conversationId),
    loggedSince: new Date(message.createdAt.getTime() - LOG_TIME_SLACK_MS),
    where: { path: ['message', 'id'], equals: message.id },
    set: { path: ['message', 'body'], value: message.deletedAt ? null : message.body },
  });
}
