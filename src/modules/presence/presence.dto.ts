import { z } from 'zod';
import { ids } from '../../core/errors';
import { MAX_BAN_SECONDS } from '../../core/realtime';
import { presenceSnapshot, presenceStatus } from './presence.events';

/** Most user ids one presence query may ask about. */
export const MAX_QUERY_USER_IDS = 100;

export const presenceQueryDto = z.object({
  userIds: z.array(ids.userId).min(1).max(MAX_QUERY_USER_IDS),
});

/** Longest reconnect hint an operator may give (one day). */
const MAX_RECONNECT_IN_MS = 24 * 3600_000;
export const DEFAULT_KICK_RECONNECT_IN_MS = 5000;

export const adminDisconnectDto = z.object({
  userId: ids.userId,
  reconnectInMs: z.number().int().min(0).max(MAX_RECONNECT_IN_MS).default(DEFAULT_KICK_RECONNECT_IN_MS),
  /** Refuse the user's reconnects on every instance for this long (the kernel's ConnectionLimiter). */
  banSeconds: z.number().int().min(0).max(MAX_BAN_SECONDS).optional().describe('Refuse the user’s reconnects on every instance for this long'),
});

// Responses.

/** The full snapshot for the user themselves and admins; the status for anyone else. */
export const presenceView = z.union([presenceSnapshot, presenceStatus]);
export const presenceSnapshots = z.object({ snapshots: z.array(presenceView) });
export const kickOutcome = z.object({
  userId: z.string(),
  sockets: z.number().int().describe('Sockets closed, over every namespace and every instance that answered'),
  instances: z.number().int().describe('Instances that took part (this one included)'),
  complete: z.boolean().describe('false when some instance did not answer in time (its sockets may still be open)'),
  bannedSeconds: z.number().int().optional().describe('When banSeconds was given: reconnects are refused for this long'),
});
