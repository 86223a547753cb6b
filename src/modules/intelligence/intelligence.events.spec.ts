import { isIntelligenceChannel, roomsFor } from './intelligence.events';

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
