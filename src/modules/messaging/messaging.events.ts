/**
 * The Messaging module's server→client events on `/ws/app` (docs/modules/messaging.md):
 * names, payloads and rooms. The message and conversation shapes are in messaging.dto.ts.
 */

import { z } from 'zod';
import type { AckFailure } from '../../core/realtime';
import { messageDto } from './messaging.dto';

export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

/**
 * `messages:new` / `messages:updated` / `messages:deleted`, to `conversation:<id>` and every
 * participant's `user:<id>` in one emit. `senderId` is the message's author; `recipients`
 * are all participants (the author included). Replayable (carries `offset`).
 */
const messageEventPayload = z.object({
  conversationId: z.string(),
  message: messageDto,
  senderId: z.string(),
  recipients: z.array(z.string()),
});
type MessageEventPayload = z.infer<typeof messageEventPayload>;

/** Relayed to the conversation's room except the typing user's own sockets. Not persisted. */
const conversationTypingPayload = z.object({ conversationId: z.string(), userId: z.string() });
type ConversationTypingPayload = z.infer<typeof conversationTypingPayload>;

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

/**
 * Ack of `conversations:join`. The app client reads `message` (on failure too); other
 * clients read the kernel's failure shape, which a refusal carries beside it.
 */
export type JoinAck =
  | { success: true; conversationId: string; message: string; replayed: number; resync: boolean }
  | (AckFailure & { message: string });
