import fc from 'fast-check';
import { effectiveMinValue, isKillmailChannel, killmailRooms, matchingChannels, routedParties, subscriptionRooms, VALUE_LADDER, type KillmailParties } from './killmail-routing';

const id = fc.integer({ min: 1, max: 50 });
const party = fc.record({ characterId: fc.option(id), corporationId: fc.option(id), allianceId: fc.option(id) });
const value = fc.oneof(fc.constant(null), fc.double({ min: 0, max: 5e11, noNaN: true }), fc.constantFrom(...VALUE_LADDER), fc.constant(999_999.99));
const killmail: fc.Arbitrary<KillmailParties> = fc.record({
  solarSystemId: id,
  victim: fc.record({ characterId: fc.option(id), corporationId: fc.option(id), allianceId: fc.option(id), shipTypeId: id }),
  attackers: fc.array(party, { maxLength: 5 }),
  totalValue: value,
});
const channel = fc.oneof(fc.constant('killstream'), fc.tuple(fc.constantFrom('alliance', 'corporation', 'character', 'system', 'ship'), id).map(([k, n]) => `${k}:${n}`));

/** Written from the contract, not from the implementation: who is "involved" in a killmail. */
function involved(km: KillmailParties, ch: string): boolean {
  if (ch === 'killstream') return true;
  const [kind, raw] = ch.split(':');
  const n = Number(raw);
  const parties = [km.victim, ...km.attackers];
  switch (kind) {
    case 'system':
      return km.solarSystemId === n;
    case 'ship':
      return km.victim.shipTypeId === n;
    case 'character':
      return parties.some((p) => p.characterId === n);
    case 'corporation':
      return parties.some((p) => p.corporationId === n);
    case 'alliance':
      return parties.some((p) => p.allianceId === n);
    default:
      return false;
  }
}

describe('killmail channels and value bands', () => {
  it('delivers a killmail to a subscription exactly when the channel is involved and the value reaches the effective minValue', () => {
    fc.assert(
      fc.property(killmail, channel, fc.option(fc.double({ min: 0, max: 5e11, noNaN: true })), (km, ch, minValue) => {
        const rooms = new Set(killmailRooms(km));
        const joined = subscriptionRooms(ch, minValue ?? undefined);
        const receives = joined.some((r) => rooms.has(r));
        const floor = effectiveMinValue(minValue ?? undefined);
        expect(receives).toBe(involved(km, ch) && (km.totalValue ?? 0) >= floor);
        // effective minValue never exceeds the requested one (round down, documented)
        expect(floor).toBeLessThanOrEqual(minValue ?? 0);
      }),
      { numRuns: 1000 },
    );
  });

  it('routes to each matching channel once and bounds the rooms per killmail', () => {
    fc.assert(
      fc.property(killmail, (km) => {
        const channels = matchingChannels(km);
        expect(new Set(channels).size).toBe(channels.length);
        expect(killmailRooms(km).length).toBeLessThanOrEqual(2 * channels.length);
      }),
    );
  });

  it('routes a 10,000-attacker killmail to the victim and the 499 most significant attackers, within the room cap', () => {
    const attackers = Array.from({ length: 10_000 }, (_, i) => ({
      characterId: 1_000 + i,
      corporationId: 100_000 + i,
      allianceId: 200_000 + i,
      damageDone: i === 7 ? 0 : i,
      finalBlow: i === 7,
    }));
    const km: KillmailParties = {
      solarSystemId: 30000142,
      victim: { characterId: 1, corporationId: 2, allianceId: 3, shipTypeId: 587 },
      attackers,
      totalValue: 3e9,
    };
    const parties = routedParties(km, 500);
    expect(parties).toHaveLength(500);
    expect(parties[0]).toBe(km.victim);
    expect(parties[1]).toBe(attackers[7]); // the final blow, whatever its damage
    expect(parties[2]).toBe(attackers[9_999]); // then by damage done
    const unbounded = matchingChannels(km, { maxParties: 500, maxRooms: Number.MAX_SAFE_INTEGER });
    expect(unbounded).toHaveLength(3 + 500 * 3);
    const rooms = killmailRooms(km, { maxParties: 500, maxRooms: 1500 });
    expect(rooms.length).toBeLessThanOrEqual(1500);
    // a channel and its band room travel together; the fixed channels come first
    expect(rooms).toEqual(expect.arrayContaining(['killstream', 'killstream|band:2000000000', 'character:1', 'character:1|band:2000000000']));
    const plain = rooms.filter((r) => !r.includes('|band:'));
    expect(rooms.filter((r) => r.includes('|band:'))).toEqual(plain.map((c) => `${c}|band:2000000000`));
  });

  it('rounds minValue down to the 1-2-5 ladder', () => {
    expect(effectiveMinValue(undefined)).toBe(0);
    expect(effectiveMinValue(999_999)).toBe(0);
    expect(effectiveMinValue(1_000_000)).toBe(1_000_000);
    expect(effectiveMinValue(150_000_000)).toBe(100_000_000);
    expect(effectiveMinValue(1e15)).toBe(100_000_000_000);
    expect(subscriptionRooms('killstream', 0)).toEqual(['killstream']);
    expect(subscriptionRooms('alliance:1', 50e9)).toEqual(['alliance:1|band:50000000000', 'alliance:1|band:100000000000']);
  });

  it('accepts only the contract channels', () => {
    for (const ok of ['killstream', 'alliance:99000001', 'corporation:1', 'character:2112625428', 'system:30000142', 'ship:587']) {
      expect([ok, isKillmailChannel(ok)]).toEqual([ok, true]);
    }
    for (const bad of ['', 'killstream:1', 'alliance:', 'alliance:0', 'alliance:01', 'alliance:abc', 'alliance:*', 'region:1', 'ship:99999999999999999', 'user:alice', 'alliance:1|band:1000000', 42, null]) {
      expect([bad, isKillmailChannel(bad)]).toEqual([bad, false]);
    }
  });
});
