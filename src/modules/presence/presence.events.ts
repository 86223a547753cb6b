/**
 * The Presence module's server→client events on `/ws/app` (docs/modules/presence.md); the
 * presence shapes they carry are in presence.dto.ts. Presence events are transient: never
 * persisted, never replayed, no `offset`.
 */

import { z } from 'zod';
import { presenceDto, presenceStatusDto, type PresenceDto, type PresenceStatusDto } from './presence.dto';

/** Server → client events this module emits, by name. */
export interface PresenceEvents {
  /** The full presence to the user's own sockets; the status only to everyone else. */
  'presence:update': PresenceDto | PresenceStatusDto;
}

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const PRESENCE_EVENT_SCHEMAS = {
  'presence:update': z.union([presenceDto, presenceStatusDto]),
} satisfies { [E in keyof PresenceEvents]: z.ZodType<PresenceEvents[E]> };

/** Client → server. */
export const PRESENCE_HEARTBEAT = 'presence:heartbeat';

