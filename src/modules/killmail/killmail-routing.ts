/**
 * Channels of `/ws/killmail` and how one killmail is routed to rooms.
 *
 * Value filtering (`minValue`) is done with rooms so each killmail is still ONE emit to the
 * union of its rooms (one encode, each socket once, across instances through the adapter):
 *   - ISK values are cut into bands at a 1-2-5 ladder (1 M, 2 M, 5 M, 10 M … 100 B);
 *   - a killmail of value v goes to every matching channel room `c` and to `c|band:<floor(v)>`,
 *     the one band room of its value (none below 1 M);
 *   - a subscription without `minValue` (or below 1 M) joins `c`; one with `minValue` m joins
 *     the band rooms of `c` from the ladder step at or below m upwards.
 * The price of exactness-by-rooms is granularity: m is rounded down to the ladder (the ack
 * reports the effective value), so a client asking for 150 M gets kills from 100 M.
 */

/** Band floors in ISK, ascending; the last band is open-ended. */
export const VALUE_LADDER: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000].map(
  (m) => m * 1_000_000,
);

const CHANNEL = /^(?:killstream|(alliance|corporation|character|system|ship):([1-9]\d{0,15}))$/;

export function isKillmailChannel(channel: unknown): channel is string {
  if (typeof channel !== 'string') return false;
  const match = CHANNEL.exec(channel);
  return match !== null && (match[2] === undefined || Number(match[2]) <= Number.MAX_SAFE_INTEGER);
}

/** The ladder step a `minValue` is rounded down to; 0 when below the first step (no filter). */
export function effectiveMinValue(minValue: number | undefined): number {
  if (!minValue || minValue < VALUE_LADDER[0]) return 0;
  let floor = 0;
  for (const step of VALUE_LADDER) if (step <= minValue) floor = step;
  return floor;
}

const bandRoom = (channel: string, floor: number) => `${channel}|band:${floor}`;

/** Rooms a subscription to `channel` with `minValue` joins. */
export function subscriptionRooms(channel: string, minValue: number | undefined): string[] {
  const floor = effectiveMinValue(minValue);
  if (floor === 0) return [channel];
  return VALUE_LADDER.filter((step) => step >= floor).map((step) => bandRoom(channel, step));
}

/** True when `room` belongs to a subscription to `channel` (plain or any band). */
export function isRoomOfChannel(room: string, channel: string): boolean {
  return room === channel || room.startsWith(`${channel}|band:`);
}

/** A party of a killmail that channels can name; damage and the final blow rank attackers. */
interface KillmailParty {
  characterId?: number | null;
  corporationId?: number | null;
  allianceId?: number | null;
  damageDone?: number | null;
  finalBlow?: boolean;
}

/** The parties of a killmail that channels can name. */
export interface KillmailParties {
  solarSystemId: number;
  victim: { characterId: number | null; corporationId: number | null; allianceId: number | null; shipTypeId: number };
  attackers: KillmailParty[];
  totalValue: number | null;
}

/**
 * How far one killmail is routed. A killmail may list thousands of attackers (a large
 * fleet fight); each party adds up to three channel rooms and each room one row of the
 * event log, so routing is bounded while the killmail itself is stored whole.
 */
interface RoutingLimits {
  /** Parties (the victim counts as one) whose channels get the killmail. */
  maxParties: number;
  /** Rooms the one logged event is delivered to, band rooms included. */
  maxRooms: number;
}

/** Wide enough for any killmail (the ingest schema allows 10,000 attackers): routing unbounded. */
const UNBOUNDED_ROUTING: RoutingLimits = { maxParties: Number.MAX_SAFE_INTEGER, maxRooms: Number.MAX_SAFE_INTEGER };

/**
 * The parties routed, most significant first: the victim, the final blow, then attackers
 * by damage done (ties keep the killmail's order). Only the first `maxParties` are kept.
 */
export function routedParties(km: KillmailParties, maxParties: number): KillmailParty[] {
  const ranked = km.attackers
    .map((attacker, index) => ({ attacker, index }))
    .sort(
      (a, b) =>
        Number(b.attacker.finalBlow ?? false) - Number(a.attacker.finalBlow ?? false) ||
        (b.attacker.damageDone ?? 0) - (a.attacker.damageDone ?? 0) ||
        a.index - b.index,
    )
    .map((r) => r.attacker);
  return [km.victim, ...ranked].slice(0, Math.max(1, maxParties));
}

/**
 * Channels a killmail matches, in routing priority: `killstream`; its system; the victim's
 * ship type; and the character, corporation and alliance of the victim AND of each routed
 * attacker (a corporation's feed shows its kills as well as its losses, as on zKillboard).
 */
export function matchingChannels(km: KillmailParties, limits: RoutingLimits = UNBOUNDED_ROUTING): string[] {
  const channels = new Set<string>(['killstream', `system:${km.solarSystemId}`, `ship:${km.victim.shipTypeId}`]);
  for (const p of routedParties(km, limits.maxParties)) {
    if (p.characterId) channels.add(`character:${p.characterId}`);
    if (p.corporationId) channels.add(`corporation:${p.corporationId}`);
    if (p.allianceId) channels.add(`alliance:${p.allianceId}`);
  }
  return [...channels];
}

/**
 * Every room one killmail is emitted to (one emit to their union), at most `maxRooms`: a
 * channel and its value band room are kept or dropped together, in channel priority order,
 * so a subscriber of a channel that made the cut gets the killmail with or without `minValue`.
 */
export function killmailRooms(km: KillmailParties, limits: RoutingLimits = UNBOUNDED_ROUTING): string[] {
  const floor = effectiveMinValue(km.totalValue ?? 0);
  const perChannel = floor === 0 ? 1 : 2;
  const channels = matchingChannels(km, limits).slice(0, Math.max(1, Math.floor(limits.maxRooms / perChannel)));
  return floor === 0 ? channels : [...channels, ...channels.map((c) => bandRoom(c, floor))];
}
