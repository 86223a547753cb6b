import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import { DomainError } from '../errors';

const WINDOW_MS = 60_000;
/** Past this many tracked users, windows that have ended are dropped on the next charge. */
const PRUNE_ABOVE = 10_000;

interface Window {
  startedAt: number;
  used: number;
}

/**
 * Events one user may read back from the log per minute (REPLAY_BUDGET_EVENTS_PER_MINUTE),
 * over every socket `since` replay and GET /api/history page together. Reading the log is
 * the most expensive thing a client can ask for; without a budget a subscribe/unsubscribe
 * loop with `since: "0"` makes the server stream its whole retention to one user, again
 * and again. A fixed one-minute window per user, counted on this instance.
 */
@Injectable()
export class ReplayBudget {
  private readonly windows = new Map<string, Window>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * Events the user may still read in the current window; throws `rate_limited` with
   * `details.retryInMs` when none are left.
   */
  remaining(userId: string, now = Date.now()): number {
    const window = this.current(userId, now);
    const left = this.config.replayBudgetPerMinute - (window?.used ?? 0);
    if (left > 0) return left;
    const retryInMs = Math.max(1, (window?.startedAt ?? now) + WINDOW_MS - now);
    throw new DomainError(
      'rate_limited',
      `replay budget of ${this.config.replayBudgetPerMinute} events per minute used up; retry in ${Math.ceil(retryInMs / 1000)} s`,
      { retryInMs, limit: this.config.replayBudgetPerMinute },
    );
  }

  /** Counts events the user was sent from the log. */
  charge(userId: string, events: number, now = Date.now()): void {
    if (events <= 0) return;
    let window = this.current(userId, now);
    if (!window) {
      if (this.windows.size >= PRUNE_ABOVE) this.prune(now);
      window = { startedAt: now, used: 0 };
      this.windows.set(userId, window);
    }
    window.used += events;
  }

  private current(userId: string, now: number): Window | undefined {
    const window = this.windows.get(userId);
    if (window && now - window.startedAt < WINDOW_MS) return window;
    if (window) this.windows.delete(userId);
    return undefined;
  }

  private prune(now: number): void {
    for (const [userId, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(userId);
  }
}
