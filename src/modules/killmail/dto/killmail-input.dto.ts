import { z } from 'zod';
import { ids } from '../../../core/errors';
import { isValidRoomName } from '../../../core/realtime';
import { isKillmailChannel } from '../killmail-channels';
import { killmailView } from '../killmail.events';

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
export type KillmailAttackerInput = z.output<typeof attacker>;

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

export const listQuery = z.object({
  limit: ids.limit(200, 50),
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});

// Responses.

export const ingestResult = z.object({
  killmail: killmailView,
  duplicate: z.boolean().describe('true when this killmail id had been ingested before: nothing new was stored or sent'),
});
export const killmailPage = z.object({ items: z.array(killmailView), nextBefore: z.number().int().nullable() });
