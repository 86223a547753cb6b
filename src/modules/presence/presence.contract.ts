import { z } from 'zod';
import type { NamespaceContract } from '../../core/contract';
import { NAMESPACES } from '../../core/realtime';
import { PRESENCE_EVENT_SCHEMAS, PRESENCE_HEARTBEAT } from './presence.events';

/** Presence's part of `/ws/app` in the machine-readable contract (GET /api/asyncapi.json). */
export const PRESENCE_CONTRACT: NamespaceContract = {
  namespace: NAMESPACES.app,
  description:
    'Presence: the user’s own `user:<id>` room gets the full snapshot on every change and heartbeat; other users get `{userId, isOnline, lastSeen}` when the online state changes.',
  channels: {},
  serverEvents: {
    'presence:update': {
      payload: PRESENCE_EVENT_SCHEMAS['presence:update'],
      description: 'A user came online or went offline (observers get userId, isOnline, lastSeen only)',
    },
  },
  clientEvents: {
    [PRESENCE_HEARTBEAT]: {
      payload: z.unknown().describe('ignored'),
      ack: z.object({ success: z.boolean(), error: z.string().optional(), code: z.string().optional() }),
      description: 'Keeps this socket marked online',
    },
  },
};
