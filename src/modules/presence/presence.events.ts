/**
 * The Presence module's server→client events on `/ws/app` (docs/modules/presence.md); the
 * presence shapes they carry are in presence.dto.ts. Presence events are transient: never
 * persisted, never replayed, no `offset`.
 */

import { z } from 'zod';
import { presenceDto, presenceStatusDto, type PresenceDto, type PresenceStatusDto } from './presence.dto';

const systemDisconnectPayload = z.object({
  reason: z.string(),
  reconnectInMs: z.number().int().nonnegative().describe('A hint: how long the client should wait before reconnecting'),
});
export type SystemDisconnectPayload = z.infer<typeof systemDisconnectPayload>;

/** Server → client events this module emits, by name. */
export interface PresenceEvents {
  /** The full presence to the user's own sockets; the status only to everyone else. */
  'presence:update': PresenceDto | PresenceStatusDto;
  'system:disconnect': SystemDisconnectPayload;
}

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const PRESENCE_EVENT_SCHEMAS = {
  'presence:update': z.union([presenceDto, presenceStatusDto]),
  'system:disconnect': systemDisconnectPayload,
} satisfies { [E in keyof PresenceEvents]: z.ZodType<PresenceEvents[E]> };

/** Client → server. */
export const PRESENCE_HEARTBEAT = 'presence:heartbeat';

/** Server → server (through the adapter): kick a user's sockets held by each instance. */
export const PRESENCE_KICK_REQUEST = 'presence:kick';

export const ADMIN_DISCONNECT_REASON = 'admin_disconnect';
