import { z } from 'zod';
import type { NamespaceContract } from '../../core/contract';
import { NAMESPACES } from '../../core/realtime';
import { CAMPAIGN_EVENT_SCHEMAS } from './campaign.events';
import {
  subscribeCampaignInput,
  subscribeSettlementInput,
  subscribeStructureInput,
  unsubscribeCampaignInput,
  unsubscribeSettlementInput,
  unsubscribeStructureInput,
} from './campaign.dto';

const aliasAck = z.object({
  success: z.boolean(),
  error: z.string().optional().describe("'Unauthorized' for an unknown and a forbidden id alike"),
  code: z.string().optional(),
});

/** `/ws/campaign` in the machine-readable contract (GET /api/asyncapi.json). */
export const CAMPAIGN_CONTRACT: NamespaceContract = {
  namespace: NAMESPACES.campaign,
  description:
    'Campaign changes. Each event is named by its type and goes to its campaign room; settlement and structure events also to their own rooms (structure events to their settlement too). ' +
    'Removing a member takes their sockets out of the campaign’s rooms at once (subscription_revoked).',
  channels: {
    'campaign:<id>': 'members of the campaign',
    'settlement:<id>': 'members of the settlement’s campaign',
    'structure:<id>': 'members of the structure’s campaign',
  },
  serverEvents: {
    entity_updated: {
      payload: CAMPAIGN_EVENT_SCHEMAS.entity_updated,
      description: 'An entity changed; refetch it or apply changedFields',
      replayable: true,
    },
    state_invalidated: {
      payload: CAMPAIGN_EVENT_SCHEMAS.state_invalidated,
      description: 'Derived state is stale',
      replayable: true,
    },
    world_time_changed: {
      payload: CAMPAIGN_EVENT_SCHEMAS.world_time_changed,
      description: 'The world clock changed state or rate (or the periodic broadcast)',
      replayable: true,
    },
    settlement_updated: {
      payload: CAMPAIGN_EVENT_SCHEMAS.settlement_updated,
      description: 'A settlement was created, updated or deleted',
      replayable: true,
    },
    structure_updated: {
      payload: CAMPAIGN_EVENT_SCHEMAS.structure_updated,
      description: 'A structure was created, updated or deleted',
      replayable: true,
    },
    subscription_revoked: {
      payload: CAMPAIGN_EVENT_SCHEMAS.subscription_revoked,
      description: 'The socket was taken out of rooms (membership removed, entity deleted)',
    },
  },
  clientEvents: {
    subscribe_campaign: { payload: subscribeCampaignInput, ack: aliasAck, description: 'Alias of subscribe campaign:<id>' },
    subscribe_settlement: { payload: subscribeSettlementInput, ack: aliasAck, description: 'Alias of subscribe settlement:<id>' },
    subscribe_structure: { payload: subscribeStructureInput, ack: aliasAck, description: 'Alias of subscribe structure:<id>' },
    unsubscribe_campaign: { payload: unsubscribeCampaignInput, ack: aliasAck, description: 'Alias of unsubscribe campaign:<id>' },
    unsubscribe_settlement: {
      payload: unsubscribeSettlementInput,
      ack: aliasAck,
      description: 'Alias of unsubscribe settlement:<id>',
    },
    unsubscribe_structure: {
      payload: unsubscribeStructureInput,
      ack: aliasAck,
      description: 'Alias of unsubscribe structure:<id>',
    },
  },
};
