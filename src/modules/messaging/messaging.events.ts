/**
 * The Messaging module's contract on `/ws/app` (docs/modules/messaging.md): event names,
 * payloads and the DTOs shared by the socket events and the HTTP API. Timestamps are ISO strings.
 */

import { z } from 'zod';

export const APP_NAMESPACE = '/ws/app';

export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

export const messageStatus = z.enum(['sent', 'edited', 'deleted']);
export type MessageStatus = z.infer<typeof messageStatus>;

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

/**
 * `messages:new` / `messages:updated` / `messages:deleted`, to `conversation:<id>` and every
 * participant's `user:<id>` in one emit. `senderId` is the message's author; `recipients`
 * are all participants (the author included). Replayable (carries `offset`).
 */
export const messageEventPayload = z.object({
  conversationId: z.string(),
  message: messageDto,
  senderId: z.string(),
  recipients: z.array(z.string()),
});
export type MessageEventPayload = z.infer<typeof messageEventPayload>;

/** Relayed to the conversation's room except the typing user's own sockets. Not persisted. */
export const conversationTypingPayload = z.object({ conversationId: z.string(), userId: z.string() });
export type ConversationTypingPayload = z.infer<typeof conversationTypingPayload>;

export interface MessagingEvents {
  'messages:new': MessageEventPayload;
  'messages:updated': MessageEventPayload;
  'messages:deleted': MessageEventPayload;
  'conversations:typing': ConversationTypingPayload;
}

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const MESSAGING_EVENT_SCHEMAS = {
  'messages:new': messageEventPayload,
  'messages:updated': messageEventPayload,
  'messages:deleted': messageEventPayload,
  'conversations:typing': conversationTypingPayload,
} satisfies { [E in keyof MessagingEvents]: z.ZodType<MessagingEvents[E]> };

export type MessageEvent = 'messages:new' | 'messages:updated' | 'messages:deleted';

/** Ack of `conversations:join` (the app client's `{success, message?}`; failures also carry the kernel's `error` and `code`). */
export type JoinAck =
  | { success: true; conversationId: string; message: string; replayed: number; resync: boolean }
  | { success: false; message: string; error: string; code: string };
