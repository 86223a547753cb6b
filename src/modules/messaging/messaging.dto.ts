import { z } from 'zod';
import { ids } from '../../core/errors';
import { conversationDto, messageDto } from './messaging.events';

/** Most participants a conversation may have (the creator included). */
export const MAX_PARTICIPANTS = 100;
/** Longest message body, in characters. */
export const MAX_MESSAGE_CHARS = 4000;

/** Conversation ids are UUIDs; anything that would not make a valid `conversation:<id>` room name is refused up front. */
const conversationId = z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be a conversation id');
const messageBody = z.string().trim().min(1, 'must not be empty').max(MAX_MESSAGE_CHARS);

/** `POST /api/conversations`; the caller is always a participant and need not be listed. */
export const createConversationBody = z.object({
  participantIds: z.array(ids.userId).min(1).max(MAX_PARTICIPANTS - 1),
  title: z.string().trim().min(1).max(200).optional(),
});
export type CreateConversationInput = z.output<typeof createConversationBody>;

export const listConversationsQuery = z.object({ limit: ids.limit(100, 50) });

export const messageBodyInput = z.object({ body: messageBody });

/**
 * `POST …/messages`: `clientMessageId` is the sender's own id for this post (a UUID, a
 * counter…), so a retry after a lost response cannot post twice.
 */
export const postMessageInput = messageBodyInput.extend({
  clientMessageId: z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:-]+$/, 'must be 1–100 of A–Z a–z 0–9 _ . : -').optional(),
});
export type PostMessageInput = z.output<typeof postMessageInput>;

/** `GET /api/conversations/:id/messages?before&limit` — `before` is the id of the oldest message already shown. */
export const historyQuery = z.object({
  before: ids.id.optional().describe('nextBefore of the previous page'),
  limit: ids.limit(100, 50),
});
export type HistoryQuery = z.output<typeof historyQuery>;

export const idParam = ids.id;
export const conversationIdParam = conversationId;

/** Socket payloads. */
export const joinPayload = z.object({ conversationId, since: ids.offset.optional() });
export const conversationPayload = z.object({ conversationId });

// Responses.

export const conversationList = z.object({ conversations: z.array(conversationDto) });
export const messagePage = z.object({
  messages: z.array(messageDto),
  nextBefore: z.string().nullable().describe('Pass as `before` for the next (older) page; null on the last page'),
});
