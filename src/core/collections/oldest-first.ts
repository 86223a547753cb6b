/**
 * Deletes a Map's oldest entries (first in insertion order) in constant time, for the
 * bounded maps that evict from the front: recency caches and windows of recent events.
 *
 * `map.keys().next().value` looks like a cheap way to find the oldest key, and is not: a Map
 * keeps a deleted entry as a hole until it is next rehashed, and a fresh iterator walks past
 * every hole at the front. A map that appends at the back and deletes at the front builds
 * up thousands of them, so each eviction took ~3.3 µs at 5,000 entries (against ~0.15 µs
 * here), and more the larger the map. A Map iterator follows later changes to its map (it
 * visits entries added after it was made and skips deleted ones), so one long-lived iterator
 * resumes where the previous eviction stopped. Entries moved to the back (deleted and set
 * again) are met again in their new place, so least-recently-used order holds too.
 */
export class OldestFirst<K> {
  private cursor: Iterator<K>;

  constructor(private readonly map: Map<K, unknown>) {
    this.cursor = map.keys();
  }

  /** Deletes the oldest entries until the map holds at most `max`. */
  trimTo(max: number): void {
    while (this.map.size > max) {
      let next = this.cursor.next();
      // An iterator that has finished stays finished; a map that was emptied and refilled needs a new one.
      if (next.done) {
        this.cursor = this.map.keys();
        next = this.cursor.next();
        if (next.done) return;
      }
      this.map.delete(next.value);
    }
  }
}
