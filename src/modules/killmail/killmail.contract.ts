import type { NamespaceContract, RawFeedContract } from '../../core/contract';
import { NAMESPACES, subscribeAck } from '../../core/realtime';
import { subscribeInput, unsubscribeInput } from './killmail.dto';
import { KILLMAIL_EVENT_SCHEMAS, RAW_FEED_PATH, rawKillmailFrame, rawUpdateFrame } from './killmail.events';

/** `/ws/killmail` in the machine-readable contract (GET /api/asyncapi.json). */
export const KILLMAIL_CONTRACT: NamespaceContract = {
  namespace: NAMESPACES.killmail,
  description:
    'Killmails as they are ingested, filtered by channel and optional minimum value (ISK, rounded down to a 1-2-5 ladder; the ack reports the effective value). ' +
    'A killmail matches the channels of its system, victim ship type, and the character, corporation and alliance of the victim and of every attacker.',
  channels: {
    killstream: 'any user: every killmail',
    'alliance:<id>': 'any user',
    'corporation:<id>': 'any user',
    'character:<id>': 'any user',
    'system:<id>': 'any user',
    'ship:<id>': 'any user (the victim ship type)',
  },
  serverEvents: {
    killmail: { payload: KILLMAIL_EVENT_SCHEMAS.killmail, description: 'A killmail of a followed channel', replayable: true },
  },
  clientEvents: {
    subscribe: {
      payload: subscribeInput,
      ack: subscribeAck.extend({ minValue: effectiveMinValueSchema() }),
      description: 'Follow channels, optionally above minValue; subscribing again to a channel replaces its minValue',
    },
    unsubscribe: { payload: unsubscribeInput, ack: subscribeAck, description: 'Stop following channels' },
  },
};

function effectiveMinValueSchema() {
  return subscribeInput.shape.minValue.unwrap().describe('The effective minimum (0: no filter)');
}

/** The raw feed at /updates. */
export const RAW_FEED_CONTRACT: RawFeedContract = {
  path: RAW_FEED_PATH,
  description:
    'Plain WebSocket for peers in INTERNAL_NETWORKS (others are refused at the upgrade); server-emits-only: anything a client sends is ignored. ' +
    'Idle peers are closed after KILLMAIL_IDLE_TIMEOUT_MS; a peer that cannot keep up misses frames (counted) instead of growing server memory. ' +
    'Consumers should ignore frame types they do not know.',
  frames: {
    killmail: { payload: rawKillmailFrame, description: 'A killmail, as it is broadcast', replayable: false },
    '<other update type>': {
      payload: rawUpdateFrame,
      description: "Other update types, sent with the feed's broadcast(type, data); no offset",
    },
  },
};
