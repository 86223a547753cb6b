import { z } from 'zod';
import { ids } from '../../core/errors';
import { pageSchema } from '../../core/paging';
import type { Conversation, ConversationParticipant, Message } from '../../generated/prisma/client';

/** Most participants a conversation may have (the creator included). */
const MAX_PARTICIPANTS = 100;
/** Longest message body, in characters. */
const MAX_MESSAGE_CHARS = 4000;

/** Conversation ids are UUIDs; anything that would not make a valid `conversation:<id>` room name is refused up front. */
const conversationId = z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be a conversation id');
const messageBody = z.string().trim().min(1, 'must not be empty').max(MAX_MESSAGE_CHARS);

// Inputs.

/** `POST /api/conversations`; the caller is always a participant and need not be listed. */
export const createConversationInput = z.object({
  participantIds: z.array(ids.userId).min(1).max(MAX_PARTICIPANTS - 1),
  title: z.string().trim().min(1).max(200).optional(),
});
export type CreateConversationInput = z.output<typeof createConversationInput>;

/** `GET /api/conversations?before&limit` — `before` is the id of the last conversation already shown. */
export const listConversationsInput = z.object({
  before: conversationId.optional().describe('nextBefore of the previous page'),
  limit: ids.limit(100, 50),
});
export type ListConversationsInput = z.output<typeof listConversationsInput>;

/** `PATCH …/messages/:messageId`. */
export const editMessageInput = z.object({ body: messageBody });

/**
 * `POST …/messages`: `clientMessageId` is the sender's own id for this post (a UUID, a
 * counter…), so a retry after a lost response cannot post twice.
 */
export const postMessageInput = editMessageInput.extend({
  clientMessageId: z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'must be 1–100 of A–Z a–z 0–9 _ . : -').optional(),
});
export type PostMessageInput = z.output<typeof postMessageInput>;

/** `GET /api/conversations/:id/messages?before&limit` — `before` is the id of the oldest message already shown. */
export const messageHistoryInput = z.object({
  before: ids.id.optional().describe('nextBefore of the previous page'),
  limit: ids.limit(100, 50),
});
export type MessageHistoryInput = z.output<typeof messageHistoryInput>;

export const messageIdInput = ids.id;
export const conversationIdInput = conversationId;

/** `conversations:join {conversationId, since?}`. */
export const joinConversationInput = z.object({ conversationId, since: ids.offset.optional() });
/** `conversations:leave` / `conversations:typing {conversationId}`. */
export const conversationInput = z.object({ conversationId });

// Outputs.

const messageStatus = z.enum(['sent', 'edited', 'deleted']);

/** One message as the API returns it and the events carry it. A deleted message keeps its id; its body is null. */
export const messageDto = z.object({
  id: z.string(),
  conversationId: z.string(),
  senderId: z.string(),
  body: z.string().nullable(),
  status: messageStatus,
  createdAt: z.string().describe('ISO 8601'),
  editedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  clientMessageId: z.string().nullable().describe("The sender's id for the post, when it gave one: lets its client match the live event to its pending message"),
});
export type MessageDto = z.infer<typeof messageDto>;

export const conversationDto = z.object({
  id: z.string(),
  title: z.string().nullable(),
  createdBy: z.string(),
  participantIds: z.array(z.string()),
  createdAt: z.string(),
  lastMessageAt: z.string().nullable(),
});
export type ConversationDto = z.infer<typeof conversationDto>;

/** `GET /api/conversations`: most recent activity first. */
export const conversationPageDto = pageSchema(conversationDto);
/** `GET /api/conversations/:id/messages`: newest first. */
export const messagePageDto = pageSchema(messageDto);

// Mappers.

export function toMessageDto(row: Message): MessageDto {
  return {
    id: row.id,
    conversationId: row.conversationId,
    senderId: row.senderId,
    body: row.deletedAt ? null : row.body,
    status: row.status as MessageDto['status'],
    createdAt: row.createdAt.toISOString(),
    editedAt: row.editedAt?.toISOString() ?? null,
    deletedAt: row.deletedAt?.toISOString() ?? null,
    clientMessageId: row.clientMessageId,
  };
}

/** A conversation row read with its participants' ids. */
export function toConversationDto(row: Conversation & { participants: Pick<ConversationParticipant, 'userId'>[] }): ConversationDto {
  return {
    id: row.id,
    title: row.title,
    createdBy: row.createdBy,
    participantIds: row.participants.map((p) => p.userId).sort(),
    createdAt: row.createdAt.toISOString(),
    lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
  };
}
