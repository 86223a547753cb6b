/**
 * The Presence module's wire contract on `/ws/app` (CONTRACTS §3, seed 004). Presence
 * events are transient: never persisted, never replayed, no `offset`.
 */

export const PRESENCE_NAMESPACE = '/ws/app';

/** One open connection of a user, as seen by the instance that holds it. */
export interface SocketPresence {
  socketId: string;
  /** Unix epoch ms. */
  connectedAt: number | null;
  /** Unix epoch ms: last time the socket was heard from or vouched for by its instance. */
  lastSeen: number | null;
  userAgent: string | null;
  /** Only the user themselves (and admins) see it; everyone else gets null. */
  ip: string | null;
}

export interface PresenceSnapshot {
  userId: string;
  isOnline: boolean;
  /** Unix epoch ms; the latest socket's when online, when the last socket went otherwise; null if never seen. */
  lastSeen: number | null;
  sockets: SocketPresence[];
}

/**
 * What everyone but the user sees of them: no sockets, user agents or addresses. Sent
 * when the user's online state changes (at most one per user per 250 ms) and answered
 * by the REST routes to anyone but the user and admins.
 */
export interface PresenceStatus {
  userId: string;
  isOnline: boolean;
  /** Unix epoch ms, as in PresenceSnapshot. */
  lastSeen: number | null;
}

export interface SystemDisconnectPayload {
  reason: string;
  /** A hint: how long the client should wait before reconnecting. */
  reconnectInMs: number;
}

/** Server → client events this module emits, by name. */
export interface PresenceEvents {
  /** The full snapshot to the user's own sockets; the status only to everyone else. */
  'presence:update': PresenceSnapshot | PresenceStatus;
  'system:disconnect': SystemDisconnectPayload;
}

/** Client → server. */
export const PRESENCE_HEARTBEAT = 'presence:heartbeat';

/** Server → server (through the adapter): kick a user's sockets held by each instance. */
export const PRESENCE_KICK_REQUEST = 'presence:kick';

export const ADMIN_DISCONNECT_REASON = 'admin_disconnect';
