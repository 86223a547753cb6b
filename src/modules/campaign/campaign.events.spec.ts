import { routes } from '../../../client/src';
import { NAMESPACES } from '../../core/realtime';
import { roomsFor, type CampaignEvent } from './campaign.events';

const base = { campaignId: 'c1', timestamp: '2026-11-25T12:00:00.000Z', metadata: {} };

describe('campaign events', () => {
  const events: Array<[CampaignEvent, string[]]> = [
    [{ ...base, type: 'entity_updated', entityType: 'campaign', entityId: 'c1' }, ['campaign:c1']],
    [{ ...base, type: 'entity_updated', entityType: 'settlement', entityId: 's1' }, ['campaign:c1', 'settlement:s1']],
    [{ ...base, type: 'entity_updated', entityType: 'structure', entityId: 't1' }, ['campaign:c1', 'structure:t1']],
    [{ ...base, type: 'state_invalidated', keys: ['economy'] }, ['campaign:c1']],
    [
      { ...base, type: 'world_time_changed', previousTime: 'a', currentTime: 'b', worldTime: 'b', clockRate: 1, clockRunning: true, tickedAt: 'c' },
      ['campaign:c1'],
    ],
    [{ ...base, type: 'settlement_updated', settlementId: 's1', operation: 'create' }, ['campaign:c1', 'settlement:s1']],
    [
      { ...base, type: 'structure_updated', structureId: 't1', settlementId: 's1', operation: 'delete' },
      ['campaign:c1', 'settlement:s1', 'structure:t1'],
    ],
  ];

  it.each(events)('routes %j to the contract rooms', (event, rooms) => {
    expect(roomsFor(event)).toEqual(rooms);
  });

  it.each(events)('@herald/client claims %j for exactly the same channels', (event, rooms) => {
    const channels = ['campaign:c1', 'campaign:c2', 'settlement:s1', 'settlement:s2', 'structure:t1', 'structure:t2'];
    expect(channels.filter((channel) => routes(NAMESPACES.campaign, channel, event.type, { ...event }))).toEqual(rooms);
  });
});
