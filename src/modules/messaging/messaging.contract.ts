import { z } from 'zod';
import type { NamespaceContract } from '../../core/contract';
import { NAMESPACES } from '../../core/realtime';
import { conversationInput, joinConversationInput } from './messaging.dto';
import { MESSAGING_EVENT_SCHEMAS } from './messaging.events';

const joinAck = z.union([
  z.object({
    success: z.literal(true),
    conversationId: z.string(),
    message: z.string(),
    replayed: z.number().int(),
    resync: z.boolean(),
  }),
  z.object({
    success: z.literal(false),
    message: z.string().describe('The same text as error, for the app client'),
    error: z.string(),
    code: z.string(),
    retryInMs: z.number().int().optional(),
  }),
]);

/** Messaging's part of `/ws/app` in the machine-readable contract (GET /api/asyncapi.json). */
export const MESSAGING_CONTRACT: NamespaceContract = {
  namespace: NAMESPACES.app,
  description:
    'Messaging: message events go to `conversation:<id>` and to every participant’s `user:<id>` in one emit (each socket once). Messages are posted over HTTP.',
  channels: { 'conversation:<id>': 'members of the conversation (same rule as conversations:join)' },
  serverEvents: {
    'messages:new': { payload: MESSAGING_EVENT_SCHEMAS['messages:new'], description: 'A message was posted', replayable: true },
    'messages:updated': {
      payload: MESSAGING_EVENT_SCHEMAS['messages:updated'],
      description: 'A message was edited',
      replayable: true,
    },
    'messages:deleted': {
      payload: MESSAGING_EVENT_SCHEMAS['messages:deleted'],
      description: 'A message was deleted (status deleted, no body)',
      replayable: true,
    },
    'conversations:typing': {
      payload: MESSAGING_EVENT_SCHEMAS['conversations:typing'],
      description: 'Another member is typing (not persisted)',
    },
  },
  clientEvents: {
    'conversations:join': {
      payload: joinConversationInput,
      ack: joinAck,
      description: 'Join a conversation (members only), replaying after since; alias of subscribe conversation:<id>',
    },
    'conversations:leave': {
      payload: conversationInput,
      ack: z.object({ success: z.boolean(), conversationId: z.string() }),
      description: 'Leave a conversation room',
    },
    'conversations:typing': {
      payload: conversationInput,
      ack: z.object({ success: z.boolean(), relayed: z.boolean() }),
      description: 'Signal typing (after joining); relayed at most once a second',
    },
  },
};
