/**
 * How one module asks for users to be notified without depending on the Notifications
 * module's internals. The Notifications module provides USER_NOTIFIER globally.
 */
export type NotificationCategory = 'compliance' | 'diplomatic' | 'defense' | 'economic' | 'social' | 'system' | 'achievement';
export type NotificationPriority = 'low' | 'medium' | 'high' | 'critical';

export interface NotifyRequest {
  userIds: string[];
  /** Stable key of what happened, e.g. `achievement.unlocked`; with `dedupeKey` makes retries safe. */
  eventKey: string;
  category: NotificationCategory;
  title: string;
  body: string;
  data?: Record<string, unknown>;
  priority?: NotificationPriority;
  /** Same key for the same user → created once. */
  dedupeKey?: string;
}

export interface UserNotifier {
  notify(request: NotifyRequest): Promise<void>;
}

export const USER_NOTIFIER = Symbol('USER_NOTIFIER');
