import { z } from 'zod';
import { ids } from '../../core/errors';
import { pageSchema } from '../../core/paging';
import { isValidRoomName } from '../../core/realtime';
import type { Killmail } from '../../generated/prisma/client';
import { isKillmailChannel } from './killmail-routing';

/** EVE ids: positive integers; JSON numbers stay exact up to 2^53. */
const eveId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const optionalId = eveId.nullish();

const attacker = z.object({
  character_id: optionalId,
  corporation_id: optionalId,
  alliance_id: optionalId,
  faction_id: optionalId,
  ship_type_id: optionalId,
  weapon_type_id: optionalId,
  damage_done: z.number().int().nonnegative().optional(),
  final_blow: z.boolean().optional(),
  security_status: z.number().optional(),
});

/**
 * An ESI-style killmail (docs/modules/killmail.md, HTTP), optionally with zKillboard's `zkb` block.
 * Unknown fields (items, position, moon_id …) are accepted and not kept.
 */
export const killmailInput = z.object({
  killmail_id: eveId,
  killmail_time: z.iso.datetime({ offset: true }),
  solar_system_id: eveId,
  victim: z.object({
    character_id: optionalId,
    corporation_id: optionalId,
    alliance_id: optionalId,
    faction_id: optionalId,
    ship_type_id: eveId,
    damage_taken: z.number().int().nonnegative().optional(),
  }),
  attackers: z.array(attacker).max(10_000),
  zkb: z
    .looseObject({
      totalValue: z.number().nonnegative().finite().optional(),
    })
    .optional(),
});

export type KillmailInput = z.output<typeof killmailInput>;

/**
 * zKillboard's sequence feed wraps the ESI killmail: `{killmail_id, hash, esi: {...}, zkb: {...}}`.
 * A bare ESI killmail (with or without `zkb`) is accepted as well.
 */
export function unwrapUpstreamKillmail(body: unknown): unknown {
  if (body && typeof body === 'object' && 'esi' in body && typeof body.esi === 'object') {
    const { esi, zkb } = body as { esi: object; zkb?: unknown };
    return zkb === undefined ? esi : { ...esi, zkb };
  }
  return body;
}

export const subscribeInput = z.object({
  channels: z.array(z.string().refine(isKillmailChannel, 'must be killstream, alliance:<id>, corporation:<id>, character:<id>, system:<id> or ship:<id>')).min(1).max(50),
  minValue: z.number().nonnegative().finite().optional(),
  since: ids.offset.optional(),
});

export const unsubscribeInput = z.object({
  channels: z.array(z.string().refine(isValidRoomName, 'bad channel')).min(1).max(50),
});

export const listKillmailsInput = z.object({
  limit: ids.limit(200, 50),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

// Outputs.

/** zKillboard's block as the source sent it (`totalValue` in ISK and whatever else it had), or null. */
export type ZkbDto = ({ totalValue?: number } & Record<string, unknown>) | null;
export const zkbDto = z.looseObject({ totalValue: z.number().optional() }).nullable() satisfies z.ZodType<ZkbDto>;

const killmailAttackerDto = z.object({
  characterId: z.number().int().nullable(),
  corporationId: z.number().int().nullable(),
  allianceId: z.number().int().nullable(),
  factionId: z.number().int().nullable(),
  shipTypeId: z.number().int().nullable(),
  weaponTypeId: z.number().int().nullable(),
  damageDone: z.number().nullable(),
  finalBlow: z.boolean(),
});
export type KillmailAttackerDto = z.infer<typeof killmailAttackerDto>;

/** What `GET /api/killmails` and `POST /api/killmails` return per killmail. */
const killmailDto = z.object({
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
  attackers: z.array(killmailAttackerDto),
  zkb: zkbDto,
  totalValue: z.number().nullable(),
  offset: z.string().nullable().describe('Event-log offset of its broadcast; null while the broadcast is in flight'),
  receivedAt: z.string(),
});
export type KillmailDto = z.infer<typeof killmailDto>;

export const ingestResultDto = z.object({
  killmail: killmailDto,
  duplicate: z.boolean().describe('true when this killmail id had been ingested before: nothing new was stored or sent'),
});
export type IngestResultDto = z.infer<typeof ingestResultDto>;

/** `GET /api/killmails`: newest first; `nextBefore` is the last item's `killmailId`. */
export const killmailPageDto = pageSchema(killmailDto);

const num = (v: bigint | null): number | null => (v === null ? null : Number(v));

export function toKillmailDto(row: Killmail): KillmailDto {
  return {
    killmailId: Number(row.killmailId),
    killmailTime: row.killmailTime.toISOString(),
    solarSystemId: Number(row.solarSystemId),
    victim: {
      characterId: num(row.victimCharacterId),
      corporationId: num(row.victimCorporationId),
      allianceId: num(row.victimAllianceId),
      shipTypeId: Number(row.victimShipTypeId),
    },
    attackerCount: row.attackerCount,
    attackers: row.attackers as unknown as KillmailAttackerDto[],
    zkb: (row.zkb ?? null) as ZkbDto,
    totalValue: row.totalValue,
    offset: row.publishedOffset === null ? null : row.publishedOffset.toString(),
    receivedAt: row.receivedAt.toISOString(),
  };
}
