import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import type { SqlTransaction } from '../../core/realtime';
import type { Killmail } from '../../generated/prisma/client';
import type { KillmailAttackerDto, KillmailDto, ZkbDto } from './killmail.dto';

/** A killmail as the service hands it to storage. */
export interface NewKillmail {
  killmailId: number;
  killmailTime: Date;
  solarSystemId: number;
  victim: KillmailDto['victim'];
  attackers: KillmailAttackerDto[];
  zkb: ZkbDto;
  totalValue: number | null;
}

interface StoreResult {
  killmail: Killmail;
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
    if (rows.length) return { killmail: fromSqlRow(rows[0]), created: rows[0].created === true || String(rows[0].created) === 't' };
    // The id was being inserted by a concurrent transaction: ON CONFLICT waited for its commit,
    // but this statement's snapshot predates it, so the SELECT half saw nothing. A new
    // statement takes a new snapshot and sees the committed row.
    const [existing] = await tx.query<KillmailRow>(`SELECT ${COLUMNS} FROM killmails WHERE killmail_id = $1::bigint`, [km.killmailId]);
    if (!existing) throw new Error(`killmail ${km.killmailId} neither inserted nor found`);
    return { killmail: fromSqlRow(existing), created: false };
  }

  async markPublished(killmailId: number, offset: string): Promise<void> {
    await this.prisma.sql.query('UPDATE killmails SET published_offset = $2::bigint, published_at = now() WHERE killmail_id = $1::bigint', [killmailId, offset]);
  }

  /** Newest killmail ids first, below `before` when given. */
  list(take: number, before: number | undefined): Promise<Killmail[]> {
    return this.prisma.killmail.findMany({
      where: before === undefined ? {} : { killmailId: { lt: before } },
      orderBy: { killmailId: 'desc' },
      take,
    });
  }
}

const COLUMNS = `killmail_id::text, killmail_time, solar_system_id::text, victim_character_id::text, victim_corporation_id::text,
  victim_alliance_id::text, victim_ship_type_id::text, attacker_count, attackers, zkb, total_value, published_offset::text, published_at, received_at`;

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
  published_at: Date | string | null;
  received_at: Date | string;
}

const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

const bigintOrNull = (v: string | null): bigint | null => (v === null ? null : BigInt(v));
const date = (v: Date | string): Date => new Date(v);

/** The plain SQL row in the shape the ORM returns, so one mapper (toKillmailDto) serves both. */
function fromSqlRow(row: KillmailRow): Killmail {
  return {
    killmailId: BigInt(row.killmail_id),
    killmailTime: date(row.killmail_time),
    solarSystemId: BigInt(row.solar_system_id),
    victimCharacterId: bigintOrNull(row.victim_character_id),
    victimCorporationId: bigintOrNull(row.victim_corporation_id),
    victimAllianceId: bigintOrNull(row.victim_alliance_id),
    victimShipTypeId: BigInt(row.victim_ship_type_id),
    attackerCount: Number(row.attacker_count),
    attackers: json(row.attackers) as Killmail['attackers'],
    zkb: json(row.zkb) ?? null,
    totalValue: row.total_value === null ? null : Number(row.total_value),
    publishedOffset: bigintOrNull(row.published_offset),
    publishedAt: row.published_at === null ? null : date(row.published_at),
    receivedAt: date(row.received_at),
  };
}
