import type { NamespaceContract } from '../../core/contract';
import { NAMESPACES, subscribeAck } from '../../core/realtime';
import { subscribeInput, unsubscribeInput } from './intelligence.dto';
import { INTELLIGENCE_EVENT_SCHEMAS } from './intelligence.events';

/** `/ws/intelligence` in the machine-readable contract (GET /api/asyncapi.json). */
export const INTELLIGENCE_CONTRACT: NamespaceContract = {
  namespace: NAMESPACES.intelligence,
  description:
    'Intelligence about countries. On connect the socket is in `all` and the five category channels; `auth.since` in the handshake replays those. ' +
    'An event goes to `all`, its category, `intelligence:<category>`, `country:<id>` and `global:intelligence` (alerts and high/critical also `intelligence:alerts`; system events only `system:events` and `all`); a socket in several receives it once.',
  channels: {
    all: 'any user; joined on connect',
    '<category>': 'economic, diplomatic, government, crisis, achievement; joined on connect',
    'country:<id>': 'any user',
    'global:intelligence': 'any user',
    'intelligence:alerts': 'any user',
    'intelligence:<category>': 'any user',
    'system:events': 'any user',
  },
  serverEvents: {
    'intelligence:update': {
      payload: INTELLIGENCE_EVENT_SCHEMAS['intelligence:update'],
      description: 'A new intelligence item or update',
      replayable: true,
    },
    'intelligence:alert': {
      payload: INTELLIGENCE_EVENT_SCHEMAS['intelligence:alert'],
      description: 'An alert (also to intelligence:alerts)',
      replayable: true,
    },
    'vitality:update': {
      payload: INTELLIGENCE_EVENT_SCHEMAS['vitality:update'],
      description: "A country's vitality moved past the threshold",
      replayable: true,
    },
    'economic:change': {
      payload: INTELLIGENCE_EVENT_SCHEMAS['economic:change'],
      description: "A country's GDP, population or tier moved past the threshold",
      replayable: true,
    },
    'system:event': {
      payload: INTELLIGENCE_EVENT_SCHEMAS['system:event'],
      description: 'A system-wide event (system:events and all)',
      replayable: true,
    },
  },
  clientEvents: {
    subscribe: {
      payload: subscribeInput,
      ack: subscribeAck,
      description: "Follow channels; the ack lists all of the socket's channels. Unknown channels are refused (bad_request)",
    },
    unsubscribe: { payload: unsubscribeInput, ack: subscribeAck, description: 'Stop following channels' },
  },
};
