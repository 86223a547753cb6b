import { OldestFirst } from '../../core/collections';
import type { PresenceStatusDto } from './presence.dto';

/** How long observers wait, at least, between two presence updates about one user. */
export const OBSERVER_UPDATE_WINDOW_MS = 250;
/** Users whose last shown state is remembered; the least recently changed are forgotten first. */
const MAX_TRACKED_USERS = 100_000;

interface Shown {
  isOnline: boolean;
  at: number;
}

/**
 * Decides what observers (everyone but the user) hear about a user: only a change of
 * online state, at most one update per user per window, and always the final state.
 *
 * Each snapshot offered is the user's state as of a store change (a socket came or went,
 * a sweep). The first change since the last update is shown at once when the window has
 * passed; later ones within the window wait for its end, where only the latest counts and
 * only if it differs from what observers were last shown. So a fourth tab shows nothing,
 * and a quick offline-online flip within the window shows nothing either, rather than a
 * spurious pair. Every instance runs its own and sees the same ordered stream of changes
 * (the versioned presence channel), so observers everywhere end on the same state.
 */
export class PresenceObserverFanout {
  private readonly shown = new Map<string, Shown>();
  private readonly evictShown = new OldestFirst(this.shown);
  private readonly pending = new Map<string, { status: PresenceStatusDto; timer: NodeJS.Timeout }>();

  constructor(
    private readonly emit: (status: PresenceStatusDto) => void,
    private readonly windowMs = OBSERVER_UPDATE_WINDOW_MS,
    private readonly now: () => number = Date.now,
    private readonly capacity = MAX_TRACKED_USERS,
  ) {}

  /** The user's state after a change. */
  offer(status: PresenceStatusDto): void {
    const waiting = this.pending.get(status.userId);
    if (waiting) {
      waiting.status = status; // the window's end shows the latest only
      return;
    }
    const last = this.shown.get(status.userId);
    const wait = last ? last.at + this.windowMs - this.now() : 0;
    if (wait <= 0) return this.settle(status);
    const timer = setTimeout(() => {
      const latest = this.pending.get(status.userId);
      this.pending.delete(status.userId);
      if (latest) this.settle(latest.status);
    }, wait);
    timer.unref();
    this.pending.set(status.userId, { status, timer });
  }

  /** Drops pending updates (shutdown). */
  clear(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  /** Updates waiting for their window to end (for tests and diagnostics). */
  get pendingUsers(): number {
    return this.pending.size;
  }

  private settle(status: PresenceStatusDto): void {
    const last = this.shown.get(status.userId);
    if (last?.isOnline === status.isOnline) return;
    this.shown.delete(status.userId); // re-insert so Map order stays least-recent-first
    this.shown.set(status.userId, { isOnline: status.isOnline, at: this.now() });
    this.evictShown.trimTo(this.capacity);
    this.emit(status);
  }
}
