import type { PresenceSnapshot, PresenceStatus, SocketPresence } from './presence.events';
import type { StoredUser } from './presence.store';

/**
 * The contract's snapshot from stored state. Entries last seen before `staleBefore`
 * belong to sockets that stopped being vouched for (a crashed instance) and are not
 * counted as online, even before the sweep has removed them.
 */
export function toSnapshot(user: Pick<StoredUser, 'userId' | 'sockets' | 'lastSeen'>, staleBefore: number): PresenceSnapshot {
  const live = user.sockets
    .filter((s) => s.lastSeen >= staleBefore)
    .sort((a, b) => a.connectedAt - b.connectedAt || a.socketId.localeCompare(b.socketId));
  const times = (live.length ? live : user.sockets).map((s) => s.lastSeen);
  if (!live.length && user.lastSeen !== null) times.push(user.lastSeen);
  return {
    userId: user.userId,
    isOnline: live.length > 0,
    lastSeen: times.length ? Math.max(...times) : null,
    sockets: live.map((s): SocketPresence => ({
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
export function forObservers(snapshot: PresenceSnapshot): PresenceStatus {
  return { userId: snapshot.userId, isOnline: snapshot.isOnline, lastSeen: snapshot.lastSeen };
}

export function offlineSnapshot(userId: string): PresenceSnapshot {
  return { userId, isOnline: false, lastSeen: null, sockets: [] };
}
