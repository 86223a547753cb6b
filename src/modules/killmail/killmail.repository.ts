import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import type { SqlTransaction } from '../../core/realtime';
import type { Killmail } from '../../generated/prisma/client';
import type { KillmailAttacker, KillmailView, ZkbData } from './killmail.events';

/** A killmail as the service hands it to storage. */
export interface NewKillmail {
  killmailId: number;
  killmailTime: Date;
  solarSystemId: number;
  victim: KillmailView['victim'];
  attackers: KillmailAttacker[];
  zkb: ZkbData;
  totalValue: number | null;
}

export interface StoreResult {
  killmail: KillmailView;
  /** False when a killmail with this id was already stored (the stored one is returned). */
  created: boolean;
}

/** The killmail aggregate; the only code that touches its table. */
@Injectable()
export class KillmailRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Inserts unless the id exists (the primary key makes this race-free), in one round trip
   * on the hot path: plain SQL, since the ORM's createMany + findUnique took several. A
   * second round trip only when a concurrent insert of the same id won. Runs in the
   * caller's transaction, which also stores the killmail's event.
   */
  async insertIfAbsent(tx: SqlTransaction, km: NewKillmail): Promise<StoreResult> {
    const rows = await tx.query<KillmailRow & { created: boolean }>(
      `WITH inserted AS (
         INSERT INTO killmails (killmail_id, killmail_time, solar_system_id, victim_character_id, victim_corporation_id,
                                victim_alliance_id, victim_ship_type_id, attacker_count, attackers, zkb, total_value)
         VALUES ($1::bigint, $2::timestamptz, $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::int, $9::jsonb, $10::jsonb, $11::float8)
         ON CONFLICT (killmail_id) DO NOTHING
         RETURNING ${COLUMNS}, true AS created)
       SELECT * FROM inserted
       UNION ALL
       SELECT ${COLUMNS}, false AS created FROM killmails WHERE killmail_id = $1::bigint AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [
        km.killmailId,
        km.killmailTime.toISOString(),
        km.solarSystemId,
        km.victim.characterId,
        km.victim.corporationId,
        km.victim.allianceId,
        km.victim.shipTypeId,
        km.attackers.length,
        JSON.stringify(km.attackers),
        km.zkb === null ? null : JSON.stringify(km.zkb),
        km.totalValue,
      ],
    );
    if (rows.length) return { killmail: rowToView(rows[0]), created: rows[0].created === true || String(rows[0].created) === 't' };
    // The id was being inserted by a concurrent transaction: ON CONFLICT waited for its commit,
    // but this statement's snapshot predates it, so the SELECT half saw nothing. A new
    // statement takes a new snapshot and sees the committed row.
    const [existing] = await tx.query<KillmailRow>(`SELECT ${COLUMNS} FROM killmails WHERE killmail_id = $1::bigint`, [km.killmailId]);
    if (!existing) throw new Error(`killmail ${km.killmailId} neither inserted nor found`);
    return { killmail: rowToView(existing), created: false };
  }

  async markPublished(killmailId: number, offset: string): Promise<void> {
    await this.prisma.sql.query('UPDATE killmails SET published_offset = $2::bigint, published_at = now() WHERE killmail_id = $1::bigint', [killmailId, offset]);
  }

  /** Newest killmail ids first, below `before` when given. */
  async list(limit: number, before: number | undefined): Promise<KillmailView[]> {
    const rows = await this.prisma.killmail.findMany({
      where: before === undefined ? {} : { killmailId: { lt: before } },
      orderBy: { killmailId: 'desc' },
      take: limit,
    });
    return rows.map(toView);
  }
}

const num = (v: bigint | string | null): number | null => (v === null ? null : Number(v));

const COLUMNS = `killmail_id::text, killmail_time, solar_system_id::text, victim_character_id::text, victim_corporation_id::text,
  victim_alliance_id::text, victim_ship_type_id::text, attacker_count, attackers, zkb, total_value, published_offset::text, received_at`;

/** A row as the plain SQL driver returns it (bigints as text; JSON parsed or text, by driver). */
interface KillmailRow {
  killmail_id: string;
  killmail_time: Date | string;
  solar_system_id: string;
  victim_character_id: string | null;
  victim_corporation_id: string | null;
  victim_alliance_id: string | null;
  victim_ship_type_id: string;
  attacker_count: number;
  attackers: unknown;
  zkb: unknown;
  total_value: number | string | null;
  published_offset: string | null;
  received_at: Date | string;
}

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

function rowToView(row: KillmailRow): KillmailView {
  return {
    killmailId: Number(row.killmail_id),
    killmailTime: new Date(row.killmail_time).toISOString(),
    solarSystemId: Number(row.solar_system_id),
    victim: {
      characterId: num(row.victim_character_id),
      corporationId: num(row.victim_corporation_id),
      allianceId: num(row.victim_alliance_id),
      shipTypeId: Number(row.victim_ship_type_id),
    },
    attackerCount: Number(row.attacker_count),
    attackers: json(row.attackers) as KillmailAttacker[],
    zkb: (json(row.zkb) ?? null) as ZkbData,
    totalValue: row.total_value === null ? null : Number(row.total_value),
    offset: row.published_offset,
    receivedAt: new Date(row.received_at).toISOString(),
  };
}

function toView(row: Killmail): KillmailView {
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
    attackers: row.attackers as unknown as KillmailAttacker[],
    zkb: (row.zkb ?? null) as ZkbData,
    totalValue: row.totalValue,
    offset: row.publishedOffset === null ? null : row.publishedOffset.toString(),
    receivedAt: row.receivedAt.toISOString(),
  };
}
