/** The killmail feed's wire contract (docs/modules/killmail.md): the shapes existing feed consumers read. */
import { z } from 'zod';
import { zkbDto, type KillmailDto } from './killmail.dto';

/** Path of the raw WebSocket feed on the HTTP server. */
export const RAW_FEED_PATH = '/updates';

/** The `data` of a killmail update, as existing feed consumers read it. */
const killmailData = z.object({
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

/** `/ws/killmail` → `killmail`: the raw frame's fields plus `zkb` (and `offset`, added on publish). */
const killmailEventPayload = z.object({
  type: z.literal('killmail'),
  data: killmailData,
  zkb: zkbDto,
  timestamp: z.number().describe('When Herald broadcast it, Unix ms'),
});
type KillmailEventPayload = z.infer<typeof killmailEventPayload>;

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

/** The `data` block existing feed consumers read, from a stored killmail. */
export function toKillmailData(km: KillmailDto): KillmailData {
  return {
    killmailId: km.killmailId,
    timestamp: km.killmailTime,
    victimId: km.victim.characterId,
    victimCorporationId: km.victim.corporationId,
    victimAllianceId: km.victim.allianceId,
    systemId: km.solarSystemId,
    shipTypeId: km.victim.shipTypeId,
    attackerCount: km.attackerCount,
  };
}
