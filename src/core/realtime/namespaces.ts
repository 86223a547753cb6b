/**
 * Every Socket.IO namespace Herald serves, declared once. Modules sharing `/ws/app`
 * (notifications, messaging, presence) import the same constant rather than each
 * spelling the path.
 */
export const NAMESPACES = {
  app: '/ws/app',
  intelligence: '/ws/intelligence',
  killmail: '/ws/killmail',
  campaign: '/ws/campaign',
  admin: '/ws/admin',
} as const;

export type HeraldNamespace = (typeof NAMESPACES)[keyof typeof NAMESPACES];
