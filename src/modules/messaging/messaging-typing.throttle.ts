import { Injectable } from '@nestjs/common';

/** A user's typing in one conversation is relayed at most once per this interval. */
export const TYPING_RELAY_INTERVAL_MS = 1000;
/** Entries kept before old ones are swept (bounds memory whatever clients do). */
const SWEEP_ABOVE = 10_000;

/**
 * Coalesces typing signals: clients send one per keystroke, members need one every
 * second or so. Per instance, which is enough to keep the fan-out small.
 */
@Injectable()
export class MessagingTypingThrottle {
  private readonly lastRelay = new Map<string, number>();

  /** True when this signal should be relayed (and records it). */
  allow(userId: string, conversationId: string, now = Date.now()): boolean {
    const key = `${conversationId}\u0000${userId}`;
    const last = this.lastRelay.get(key);
    if (last !== undefined && now - last < TYPING_RELAY_INTERVAL_MS) return false;
    if (this.lastRelay.size >= SWEEP_ABOVE) this.sweep(now);
    this.lastRelay.set(key, now);
    return true;
  }

  private sweep(now: number): void {
    for (const [key, at] of this.lastRelay) {
      if (now - at >= TYPING_RELAY_INTERVAL_MS) this.lastRelay.delete(key);
    }
  }
}
