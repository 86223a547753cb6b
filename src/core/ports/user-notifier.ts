/**
 * How one module asks for users to be notified without depending on the Notifications
 * module's internals. The Notifications module provides USER_NOTIFIER globally.
 */
export const NOTIFICATION_CATEGORIES = ['compliance', 'diplomatic', 'defense', 'economic', 'social', 'system', 'achievement'] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];
/** Lowest first: escalation thresholds compare positions in this list. */
export const NOTIFICATION_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
export type NotificationPriority = (typeof NOTIFICATION_PRIORITIES)[number];

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
