import type { NamespaceContract } from '../../core/contract';
import { NAMESPACES } from '../../core/realtime';
import { NOTIFICATIONS_EVENT_SCHEMAS } from './notifications.events';

/** Notifications' part of `/ws/app` in the machine-readable contract (GET /api/asyncapi.json). */
export const NOTIFICATIONS_CONTRACT: NamespaceContract = {
  namespace: NAMESPACES.app,
  description:
    'Notifications, messaging and presence. On connect the socket joins `user:<sub>` and receives notifications:ready.',
  channels: { 'user:<id>': 'that user only; joined on connect (subscribe with since replays it)' },
  serverEvents: {
    'notifications:ready': {
      payload: NOTIFICATIONS_EVENT_SCHEMAS['notifications:ready'],
      description: 'The socket is in its user room',
    },
    'notifications:new': {
      payload: NOTIFICATIONS_EVENT_SCHEMAS['notifications:new'],
      description: 'A notification for the user',
      replayable: true,
    },
    'notifications:count': {
      payload: NOTIFICATIONS_EVENT_SCHEMAS['notifications:count'],
      description: "The user's unread count changed",
      replayable: true,
    },
  },
  clientEvents: {},
};
