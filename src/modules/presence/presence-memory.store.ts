import { OldestFirst } from '../../core/collections';
import type { PresenceStore, RemoveResult, StoredSocket, StoredUser, SweepResult, UpsertResult } from './presence.store';

/** Users whose last-seen mark is remembered; the oldest marks are forgotten first. */
const MAX_LAST_SEEN_MARKS = 100_000;

/**
 * Presence of a single instance (no REDIS_URL). Every operation completes synchronously,
 * so calls apply in the order they are made, like the Redis scripts do.
 */
export class PresenceMemoryStore implements PresenceStore {
  private readonly users = new Map<string, Map<string, StoredSocket>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly evictLastSeen = new OldestFirst(this.lastSeen);
  /** The change sequence (see StoredUser.version). */
  private version = 0;

  constructor(private readonly maxLastSeenMarks = MAX_LAST_SEEN_MARKS) {}

  async upsert(entry: StoredSocket): Promise<UpsertResult> {
    const created = this.write(entry);
    this.version++;
    return { user: this.read(entry.userId), created };
  }

  async refresh(entries: StoredSocket[]): Promise<StoredSocket[]> {
    const recreated = entries.filter((e) => this.write(e));
    if (recreated.length) this.version++; // they will be announced
    return recreated;
  }

  async remove(userId: string, socketId: string, at: number): Promise<RemoveResult> {
    const sockets = this.users.get(userId);
    const removed = sockets?.delete(socketId) ?? false;
    if (sockets && sockets.size === 0) this.users.delete(userId);
    this.markSeen(userId, at);
    if (removed) this.version++;
    return { user: this.read(userId), removed };
  }

  async sweep(cutoff: number, limit: number): Promise<SweepResult> {
    let removed = 0;
    const userIds = new Set<string>();
    for (const [userId, sockets] of this.users) {
      for (const entry of sockets.values()) {
        if (removed >= limit) break;
        if (entry.lastSeen >= cutoff) continue;
        sockets.delete(entry.socketId);
        this.markSeen(userId, entry.lastSeen);
        userIds.add(userId);
        removed++;
      }
      if (sockets.size === 0) this.users.delete(userId);
      if (removed >= limit) break;
    }
    if (removed) this.version++;
    return { removed, userIds: [...userIds] };
  }

  async get(userIds: string[]): Promise<StoredUser[]> {
    return userIds.map((id) => this.read(id));
  }

  private write(entry: StoredSocket): boolean {
    let sockets = this.users.get(entry.userId);
    if (!sockets) this.users.set(entry.userId, (sockets = new Map()));
    const created = !sockets.has(entry.socketId);
    sockets.set(entry.socketId, { ...entry });
    return created;
  }

  private read(userId: string): StoredUser {
    const sockets = [...(this.users.get(userId)?.values() ?? [])].map((s) => ({ ...s }));
    return { userId, sockets, lastSeen: this.lastSeen.get(userId) ?? null, version: this.version };
  }

  private markSeen(userId: string, at: number): void {
    const previous = this.lastSeen.get(userId);
    if (previous !== undefined && previous >= at) return;
    this.lastSeen.delete(userId); // re-insert so Map order stays oldest-first
    this.lastSeen.set(userId, at);
    this.evictLastSeen.trimTo(this.maxLastSeenMarks);
  }
}
