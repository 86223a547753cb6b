/** The killmail feed's wire contract (docs/modules/killmail.md): the shapes existing feed consumers read. */
import { z } from 'zod';

export const KILLMAIL_NAMESPACE = '/ws/killmail';
/** Path of the raw WebSocket feed on the HTTP server. */
export const RAW_FEED_PATH = '/updates';

/** The `data` of a killmail update, as existing feed consumers read it. */
export const killmailData = z.object({
  killmailId: z.number().int(),
  timestamp: z.string().describe('When the kill happened (ESI killmail_time), ISO 8601'),
  victimId: z.number().int().nullable(),
  victimCorporationId: z.number().int().nullable(),
  victimAllianceId: z.number().int().nullable(),
  systemId: z.number().int(),
  shipTypeId: z.number().int(),
  attackerCount: z.number().int(),
});
export type KillmailData = z.infer<typeof killmailData>;

/** zKillboard's block as the source sent it (`totalValue` in ISK and whatever else it had), or null. */
export type ZkbData = ({ totalValue?: number } & Record<string, unknown>) | null;
export const zkbData = z.looseObject({ totalValue: z.number().optional() }).nullable() satisfies z.ZodType<ZkbData>;

/** `/ws/killmail` → `killmail`: the raw frame's fields plus `zkb` (and `offset`, added on publish). */
export const killmailEventPayload = z.object({
  type: z.literal('killmail'),
  data: killmailData,
  zkb: zkbData,
  timestamp: z.number().describe('When Herald broadcast it, Unix ms'),
});
export type KillmailEventPayload = z.infer<typeof killmailEventPayload>;

export interface KillmailEvents {
  killmail: KillmailEventPayload;
}

/** Payload schemas by event name (the machine-readable contract is generated from them). */
export const KILLMAIL_EVENT_SCHEMAS = { killmail: killmailEventPayload } satisfies { [E in keyof KillmailEvents]: z.ZodType<KillmailEvents[E]> };

/** A frame of the raw feed at /updates. */
export const rawKillmailFrame = z.object({
  type: z.literal('killmail'),
  data: killmailData,
  timestamp: z.number().describe('When Herald broadcast it, Unix ms'),
  offset: z.string(),
});
export type RawKillmailFrame = z.infer<typeof rawKillmailFrame>;

/** Any other update type on the raw feed (sent with the feed's `broadcast(type, data)`); not logged, so no offset. */
export const rawUpdateFrame = z.object({ type: z.string(), data: z.unknown(), timestamp: z.number().describe('Unix ms') });

export const killmailAttacker = z.object({
  characterId: z.number().int().nullable(),
  corporationId: z.number().int().nullable(),
  allianceId: z.number().int().nullable(),
  factionId: z.number().int().nullable(),
  shipTypeId: z.number().int().nullable(),
  weaponTypeId: z.number().int().nullable(),
  damageDone: z.number().nullable(),
  finalBlow: z.boolean(),
});
export type KillmailAttacker = z.infer<typeof killmailAttacker>;

/** What `GET /api/killmails` and `POST /api/killmails` return per killmail. */
export const killmailView = z.object({
  killmailId: z.number().int(),
  killmailTime: z.string(),
  solarSystemId: z.number().int(),
  victim: z.object({
    characterId: z.number().int().nullable(),
    corporationId: z.number().int().nullable(),
    allianceId: z.number().int().nullable(),
    shipTypeId: z.number().int(),
  }),
  attackerCount: z.number().int(),
  attackers: z.array(killmailAttacker),
  zkb: zkbData,
  totalValue: z.number().nullable(),
  offset: z.string().nullable().describe('Event-log offset of its broadcast; null while the broadcast is in flight'),
  receivedAt: z.string(),
});
export type KillmailView = z.infer<typeof killmailView>;
