import { OldestFirst } from '../../core/collections';

/** Users whose latest delivered version is remembered; the least recently changed are forgotten first. */
const MAX_TRACKED_USERS = 100_000;

/**
 * Per-user high-water mark of delivered snapshot versions. Two changes of one user made
 * on different instances a moment apart may arrive here in either order; delivering
 * only versions newer than the last one keeps every observer's view moving forward, so a
 * user whose tabs all closed at once never ends up "online" on someone's screen.
 */
export class PresenceVersions {
  private readonly latest = new Map<string, number>();
  private readonly evict = new OldestFirst(this.latest);

  constructor(private readonly capacity = MAX_TRACKED_USERS) {}

  /** True (and remembered) when `version` is newer than anything accepted for the user. */
  accept(userId: string, version: number): boolean {
    const previous = this.latest.get(userId);
    if (previous !== undefined && version <= previous) return false;
    this.latest.delete(userId); // re-insert so Map order stays least-recent-first
    this.latest.set(userId, version);
    this.evict.trimTo(this.capacity);
    return true;
  }
}
