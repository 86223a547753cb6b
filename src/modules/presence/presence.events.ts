/**
 * The Presence module's wire contract on `/ws/app` (docs/modules/presence.md). Presence
 * events are transient: never persisted, never replayed, no `offset`.
 */

import { z } from 'zod';

export const PRESENCE_NAMESPACE = '/ws/app';

/** One open connection of a user, as seen by the instance that holds it. */
export const socketPresence = z.object({
  socketId: z.string(),
  connectedAt: z.number().nullable().describe('Unix epoch ms'),
  lastSeen: z.number().nullable().describe('Unix epoch ms: last time the socket was heard from or vouched for by its instance'),
  userAgent: z.string().nullable(),
  ip: z.string().nullable().describe('Only the user themselves (and admins) see it; everyone else gets null'),
});
export type SocketPresence = z.infer<typeof socketPresence>;

export const presenceSnapshot = z.object({
  userId: z.string(),
  isOnline: z.boolean(),
  lastSeen: z.number().nullable().describe("Unix epoch ms; the latest socket's when online, when the last socket went otherwise; null if never seen"),
  sockets: z.array(socketPresence),
});
export type PresenceSnapshot = z.infer<typeof presenceSnapshot>;

/**
 * What everyone but the user sees of them: no sockets, user agents or addresses. Sent
 * when the user's online state changes (at most one per user per 250 ms) and answered
 * by the REST routes to anyone but the user and admins.
 */
export const presenceStatus = z.object({
  userId: z.string(),
  isOnline: z.boolean(),
  lastSeen: z.number().nullable().describe('Unix epoch ms, as in PresenceSnapshot'),
});
export type PresenceStatus = z.infer<typeof presenceStatus>;

export const systemDisconnectPayload = z.object({
  reason: z.string(),
  reconnectInMs: z.number().int().nonnegative().describe('A hint: how long the client should wait before reconnecting'),
});
export type SystemDisconnectPayload = z.infer<typeof systemDisconnectPayload>;

/** Server → client events this module emits, by name. */
export interface PresenceEvents {
  /** The full snapshot to the user's own sockets; the status only to everyone else. */
  'presence:update': PresenceSnapshot | PresenceStatus;
  'system:disconnect': SystemDisconnectPayload;
}

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const PRESENCE_EVENT_SCHEMAS = {
  'presence:update': z.union([presenceSnapshot, presenceStatus]),
  'system:disconnect': systemDisconnectPayload,
} satisfies { [E in keyof PresenceEvents]: z.ZodType<PresenceEvents[E]> };

/** Client → server. */
export const PRESENCE_HEARTBEAT = 'presence:heartbeat';

/** Server → server (through the adapter): kick a user's sockets held by each instance. */
export const PRESENCE_KICK_REQUEST = 'presence:kick';

export const ADMIN_DISCONNECT_REASON = 'admin_disconnect';
