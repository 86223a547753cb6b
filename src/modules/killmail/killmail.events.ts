/** The killmail feed's wire contract (CONTRACTS §3 "Killmail feed", seed 003). */

export const KILLMAIL_NAMESPACE = '/ws/killmail';
/** Path of the raw WebSocket feed on the HTTP server. */
export const RAW_FEED_PATH = '/updates';

/** The seed's `data` of a killmail update. */
export interface KillmailData {
  killmailId: number;
  /** When the kill happened (ESI `killmail_time`), ISO 8601. */
  timestamp: string;
  victimId: number | null;
  victimCorporationId: number | null;
  victimAllianceId: number | null;
  systemId: number;
  shipTypeId: number;
  attackerCount: number;
}

/** zKillboard's block as the source sent it (`totalValue` in ISK and whatever else it had), or null. */
export type ZkbData = ({ totalValue?: number } & Record<string, unknown>) | null;

/** `/ws/killmail` → `killmail`: the raw frame's fields plus `zkb` (and `offset`, added on publish). */
export interface KillmailEventPayload {
  type: 'killmail';
  data: KillmailData;
  zkb: ZkbData;
  /** When Herald broadcast it, Unix ms. */
  timestamp: number;
}

export interface KillmailEvents {
  killmail: KillmailEventPayload;
}

/** A frame of the raw feed at /updates. */
export interface RawKillmailFrame {
  type: 'killmail';
  data: KillmailData;
  timestamp: number;
  offset: string;
}

/** What `GET /api/killmails` and `POST /api/killmails` return per killmail. */
export interface KillmailView {
  killmailId: number;
  killmailTime: string;
  solarSystemId: number;
  victim: { characterId: number | null; corporationId: number | null; allianceId: number | null; shipTypeId: number };
  attackerCount: number;
  attackers: KillmailAttacker[];
  zkb: ZkbData;
  totalValue: number | null;
  /** Event-log offset of its broadcast; null while the broadcast is in flight. */
  offset: string | null;
  receivedAt: string;
}

export interface KillmailAttacker {
  characterId: number | null;
  corporationId: number | null;
  allianceId: number | null;
  factionId: number | null;
  shipTypeId: number | null;
  weaponTypeId: number | null;
  damageDone: number | null;
  finalBlow: boolean;
}
