import { z } from 'zod';
import { ids } from '../../core/errors';
import type { StoredUser } from './presence.store';

// Inputs.

/** Most user ids one presence query may ask about. */
export const MAX_QUERY_USER_IDS = 100;

/** `POST /api/presence/query`. */
export const presenceQueryInput = z.object({
  userIds: z.array(ids.userId).min(1).max(MAX_QUERY_USER_IDS),
});

// Outputs.

/** One open connection of a user, as seen by the instance that holds it. */
const socketPresenceDto = z.object({
  socketId: z.string(),
  connectedAt: z.number().nullable().describe('Unix epoch ms'),
  lastSeen: z.number().nullable().describe('Unix epoch ms: last time the socket was heard from or vouched for by its instance'),
  userAgent: z.string().nullable(),
  ip: z.string().nullable().describe('Only the user themselves (and admins) see it; everyone else gets null'),
});
type SocketPresenceDto = z.infer<typeof socketPresenceDto>;

/** A user's full presence: what the user themselves and admins see. */
export const presenceDto = z.object({
  userId: z.string(),
  isOnline: z.boolean(),
  lastSeen: z.number().nullable().describe("Unix epoch ms; the latest socket's when online, when the last socket went otherwise; null if never seen"),
  sockets: z.array(socketPresenceDto),
});
export type PresenceDto = z.infer<typeof presenceDto>;

/**
 * What everyone but the user sees of them: no sockets, user agents or addresses. Sent
 * when the user's online state changes (at most one per user per 250 ms) and answered
 * by the REST routes to anyone but the user and admins.
 */
export const presenceStatusDto = z.object({
  userId: z.string(),
  isOnline: z.boolean(),
  lastSeen: z.number().nullable().describe('Unix epoch ms, as in the full presence'),
});
export type PresenceStatusDto = z.infer<typeof presenceStatusDto>;

/** The full presence for the user themselves and admins; the status for anyone else. */
export const visiblePresenceDto = z.union([presenceDto, presenceStatusDto]);
/** `POST /api/presence/query`: one entry per user asked, in the order asked (not a paged list). */
export const presenceQueryResultDto = z.object({ snapshots: z.array(visiblePresenceDto) });
// Mappers.

/**
 * A user's presence from stored state. Entries last seen before `staleBefore` belong to
 * sockets that stopped being vouched for (a crashed instance) and are not counted as
 * online, even before the sweep has removed them.
 */
export function toPresenceDto(user: Pick<StoredUser, 'userId' | 'sockets' | 'lastSeen'>, staleBefore: number): PresenceDto {
  const live = user.sockets
    .filter((s) => s.lastSeen >= staleBefore)
    .sort((a, b) => a.connectedAt - b.connectedAt || a.socketId.localeCompare(b.socketId));
  const times = (live.length ? live : user.sockets).map((s) => s.lastSeen);
  if (!live.length && user.lastSeen !== null) times.push(user.lastSeen);
  return {
    userId: user.userId,
    isOnline: live.length > 0,
    lastSeen: times.length ? Math.max(...times) : null,
    sockets: live.map((s): SocketPresenceDto => ({
      socketId: s.socketId,
      connectedAt: s.connectedAt,
      lastSeen: s.lastSeen,
      userAgent: s.userAgent,
      ip: s.ip,
    })),
  };
}

/**
 * What anyone but the user themselves sees: online or not and since when, never the
 * sockets (their ids, user agents and addresses are not everybody's business).
 */
export function toPresenceStatusDto(presence: PresenceDto): PresenceStatusDto {
  return { userId: presence.userId, isOnline: presence.isOnline, lastSeen: presence.lastSeen };
}
