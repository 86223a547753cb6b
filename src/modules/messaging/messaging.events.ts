/**
 * The Messaging module's contract on `/ws/app` (CONTRACTS.md §3, seed 004): event names,
 * payloads and the DTOs shared by the socket events and the HTTP API. Timestamps are ISO strings.
 */

export const APP_NAMESPACE = '/ws/app';

export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

export type MessageStatus = 'sent' | 'edited' | 'deleted';

/** One message as the API returns it and the events carry it. A deleted message keeps its id; its body is null. */
export interface MessageDto {
  id: string;
  conversationId: string;
  senderId: string;
  body: string | null;
  status: MessageStatus;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** The sender's id for the post, when it gave one: lets its client match the live event to its pending message. */
  clientMessageId: string | null;
}

export interface ConversationDto {
  id: string;
  title: string | null;
  createdBy: string;
  participantIds: string[];
  createdAt: string;
  lastMessageAt: string | null;
}

/**
 * `messages:new` / `messages:updated` / `messages:deleted`, to `conversation:<id>` and every
 * participant's `user:<id>` in one emit. `senderId` is the message's author; `recipients`
 * are all participants (the author included). Replayable (carries `offset`).
 */
export interface MessageEventPayload {
  conversationId: string;
  message: MessageDto;
  senderId: string;
  recipients: string[];
}

/** Relayed to the conversation's room except the typing user's own sockets. Not persisted. */
export interface ConversationTypingPayload {
  conversationId: string;
  userId: string;
}

export interface MessagingEvents {
  'messages:new': MessageEventPayload;
  'messages:updated': MessageEventPayload;
  'messages:deleted': MessageEventPayload;
  'conversations:typing': ConversationTypingPayload;
}

export type MessageEvent = 'messages:new' | 'messages:updated' | 'messages:deleted';

/** Ack of `conversations:join` (seed 004: `{success, message?}`; failures also carry §2's `error` and `code`). */
export type JoinAck =
  | { success: true; conversationId: string; message: string; replayed: number; resync: boolean }
  | { success: false; message: string; error: string; code: string };
