import { OldestFirst } from '../collections/oldest-first';

/**
 * Recently read full pages of the event log, least recently used evicted first.
 *
 * A page that came back full can never change: offsets commit in order (the log head's
 * row lock), so once an offset is visible every lower one that will ever exist is too, and
 * nothing is inserted between them later. Retention only removes, and the replay path asks
 * for `prunedThrough` before it reads. Entries expire after `ttlMs` so an idle server holds
 * nothing, and the whole cache is dropped when retention runs.
 */
export class FinalPageCache<T> {
  private readonly entries = new Map<string, { value: T; expiresAt: number }>();
  private readonly evict = new OldestFirst(this.entries);

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    this.evict.trimTo(this.maxEntries);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
