import { routes } from '../../../client/src';
import { NAMESPACES } from '../../core/realtime/namespaces';
import { INTELLIGENCE_EVENT_NAMES, INTELLIGENCE_PRIORITIES, isIntelligenceChannel, addItemHeadline, roomsFor } from './intelligence.events';

describe('intelligence channels and routing', () => {
  it('allows exactly the contract channels', () => {
    for (const ok of ['all', 'economic', 'achievement', 'country:fr', 'country:a.b-c_1', 'global:intelligence', 'intelligence:alerts', 'intelligence:crisis', 'system:events']) {
      expect(isIntelligenceChannel(ok)).toBe(true);
    }
    for (const bad of ['', 'ALL', 'country:', 'country:*', 'country:a b', 'intelligence:sports', 'user:alice', 'system:other', `country:${'x'.repeat(129)}`, 42]) {
      expect(isIntelligenceChannel(bad)).toBe(false);
    }
  });

  it('routes an event to all, its category, the category feed, its country and the global feed', () => {
    expect(roomsFor('intelligence:update', { category: 'diplomatic', countryId: 'fr', priority: 'medium' }).sort()).toEqual(
      ['all', 'country:fr', 'diplomatic', 'global:intelligence', 'intelligence:diplomatic'].sort(),
    );
  });

  it('adds the alerts channel for alerts and high/critical events', () => {
    expect(roomsFor('intelligence:alert', { category: 'crisis', countryId: 'fr', priority: 'low' })).toContain('intelligence:alerts');
    expect(roomsFor('economic:change', { category: 'economic', countryId: 'fr', priority: 'high' })).toContain('intelligence:alerts');
    expect(roomsFor('economic:change', { category: 'economic', countryId: 'fr', priority: 'medium' })).not.toContain('intelligence:alerts');
  });

  it('sends system events to system:events and all only', () => {
    expect(roomsFor('system:event', { category: 'government', countryId: null, priority: 'critical' })).toEqual(['system:events', 'all']);
  });
});

describe('item headline', () => {
  it('repeats an announced item at the top level with severity = priority, and nothing for other data', () => {
    expect(addItemHeadline({}, { itemId: '1', title: 'Treaty', description: 'signed', details: {} }, 'high')).toEqual({
      title: 'Treaty',
      description: 'signed',
      severity: 'high',
    });
    expect(addItemHeadline({}, { title: 'Only a title' }, 'low')).toEqual({ title: 'Only a title', description: '', severity: 'low' });
    expect(addItemHeadline({}, { figure: 'gdp', previous: 1, current: 2 }, 'medium')).toEqual({});
  });

  it('sets the headline on the payload being built and keeps what it has', () => {
    const payload: { type: string; title?: string } = { type: 'update' };
    expect(addItemHeadline(payload, { title: 'Treaty' }, 'high')).toBe(payload);
    expect(payload).toEqual({ type: 'update', title: 'Treaty', description: '', severity: 'high' });
  });
});

describe('@herald/client routing agrees with the server', () => {
  it('claims an event for exactly the channels roomsFor sends it to', () => {
    const channels = [
      'all',
      'economic',
      'crisis',
      'intelligence:economic',
      'intelligence:crisis',
      'global:intelligence',
      'intelligence:alerts',
      'system:events',
      'country:fr',
      'country:de',
    ];
    for (const event of INTELLIGENCE_EVENT_NAMES) {
      for (const priority of INTELLIGENCE_PRIORITIES) {
        for (const category of ['economic', 'crisis'] as const) {
          const payload = { category, countryId: event === 'system:event' ? null : 'fr', priority };
          const rooms = roomsFor(event, payload);
          for (const channel of channels) {
            expect({
              event,
              priority,
              category,
              channel,
              routed: routes(NAMESPACES.intelligence, channel, event, payload),
            }).toEqual({
              event,
              priority,
              category,
              channel,
              routed: rooms.includes(channel),
            });
          }
        }
      }
    }
  });
});
