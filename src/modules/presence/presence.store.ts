/**
 * Where presence lives: one entry per open socket, written only by the instance that
 * holds the socket, plus the time each user was last seen once all their sockets are
 * gone. Redis when configured (shared by every instance), memory otherwise.
 */

/** A socket's entry as stored (times are Unix epoch ms). */
export interface StoredSocket {
  socketId: string;
  userId: string;
  connectedAt: number;
  lastSeen: number;
  userAgent: string | null;
  ip: string | null;
}

/** A user's stored state: their socket entries (stale ones included) and last-seen mark. */
export interface StoredUser {
  userId: string;
  sockets: StoredSocket[];
  /** When the user's most recent socket went away, if ever recorded. */
  lastSeen: number | null;
  /**
   * Position of this state in the store's change sequence (one counter for all users,
   * bumped atomically with every change that is announced). Snapshots announced from
   * different instances may travel at different speeds; a later version always wins.
   */
  version: number;
}

export interface UpsertResult {
  /** State after the write. */
  user: StoredUser;
  /** True when the entry was missing (new socket, or lost while the store was unreachable). */
  created: boolean;
}

export interface RemoveResult {
  user: StoredUser;
  /** False when the entry was already gone (swept, or never written). */
  removed: boolean;
}

export interface SweepResult {
  /** Socket entries removed. */
  removed: number;
  /** Users who lost at least one socket, each once. */
  userIds: string[];
}

export interface PresenceStore {
  /** Writes (creates or refreshes) one socket's entry. */
  upsert(entry: StoredSocket): Promise<UpsertResult>;
  /**
   * Keep-alive for many sockets at once (the calling instance's live ones); resolves with
   * the entries that had to be re-created.
   */
  refresh(entries: StoredSocket[]): Promise<StoredSocket[]>;
  /** Removes one socket's entry; `at` becomes the user's last-seen mark if later. */
  remove(userId: string, socketId: string, at: number): Promise<RemoveResult>;
  /** Removes up to `limit` entries last seen before `cutoff` (ms), as a crashed instance leaves them. */
  sweep(cutoff: number, limit: number): Promise<SweepResult>;
  /** Stored state of each user, in the order asked. */
  get(userIds: string[]): Promise<StoredUser[]>;
}

export const PRESENCE_STORE = Symbol('PRESENCE_STORE');
