import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../core/prisma';
import type { Killmail, Prisma } from '../../generated/prisma/client';
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

  /** Inserts unless the id exists (the primary key makes this race-free). */
  async insertIfAbsent(km: NewKillmail): Promise<StoreResult> {
    const { count } = await this.prisma.killmail.createMany({
      data: [
        {
          killmailId: km.killmailId,
          killmailTime: km.killmailTime,
          solarSystemId: km.solarSystemId,
          victimCharacterId: km.victim.characterId,
          victimCorporationId: km.victim.corporationId,
          victimAllianceId: km.victim.allianceId,
          victimShipTypeId: km.victim.shipTypeId,
          attackerCount: km.attackers.length,
          attackers: km.attackers as unknown as Prisma.InputJsonValue,
          zkb: km.zkb === null ? undefined : (km.zkb as Prisma.InputJsonValue),
          totalValue: km.totalValue,
        },
      ],
      skipDuplicates: true,
    });
    const row = await this.prisma.killmail.findUniqueOrThrow({ where: { killmailId: km.killmailId } });
    return { killmail: toView(row), created: count === 1 };
  }

  async markPublished(killmailId: number, offset: string): Promise<void> {
    await this.prisma.killmail.update({
      where: { killmailId },
      data: { publishedOffset: BigInt(offset), publishedAt: new Date() },
    });
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

const num = (v: bigint | null): number | null => (v === null ? null : Number(v));

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
