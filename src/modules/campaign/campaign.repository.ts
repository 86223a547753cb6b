import { Injectable } from '@nestjs/common';
import { DomainError } from '../../core/errors';
import { PrismaService, sqlStateOf } from '../../core/prisma';
import type { SqlTransaction, Transaction } from '../../core/realtime';
import type { Campaign, CampaignMember, Settlement, Structure } from '../../generated/prisma/client';
import type { CampaignRole } from './campaign.events';

export interface NewCampaign {
  name: string;
  worldTime: Date;
  clockRunning: boolean;
  clockRate: number;
  createdBy: string;
}

export type CampaignWithContents = Campaign & {
  members: CampaignMember[];
  settlements: Array<Settlement & { structures: Structure[] }>;
};

/** One world-time change: what it was and what it is now. */
export interface WorldTimeChange {
  campaignId: string;
  previousTime: Date;
  currentTime: Date;
}

interface WorldTimeRow {
  id: string;
  previous: Date | string;
  current: Date | string;
}

/** Campaigns and their memberships (one aggregate): the only Prisma user for them. */
@Injectable()
export class CampaignRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Creates the campaign with its creator as owner, in one transaction. */
  create(campaign: NewCampaign): Promise<Campaign> {
    return this.prisma.campaign.create({
      data: { ...campaign, members: { create: { userId: campaign.createdBy, role: 'owner', addedBy: campaign.createdBy } } },
    });
  }

  find(id: string): Promise<Campaign | null> {
    return this.prisma.campaign.findUnique({ where: { id } });
  }

  findWithContents(id: string): Promise<CampaignWithContents | null> {
    return this.prisma.campaign.findUnique({
      where: { id },
      include: {
        members: { orderBy: { createdAt: 'asc' } },
        settlements: { orderBy: { createdAt: 'asc' }, include: { structures: { orderBy: { createdAt: 'asc' } } } },
      },
    });
  }

  async roleOf(campaignId: string, userId: string): Promise<CampaignRole | null> {
    const member = await this.prisma.campaignMember.findUnique({
      where: { campaignId_userId: { campaignId, userId } },
      select: { role: true },
    });
    return (member?.role as CampaignRole | undefined) ?? null;
  }

  findMember(campaignId: string, userId: string): Promise<CampaignMember | null> {
    return this.prisma.campaignMember.findUnique({ where: { campaignId_userId: { campaignId, userId } } });
  }

  /** Adds the member or changes its role. */
  upsertMember({ db }: Transaction, campaignId: string, userId: string, role: CampaignRole, addedBy: string): Promise<CampaignMember> {
    return db.campaignMember.upsert({
      where: { campaignId_userId: { campaignId, userId } },
      create: { campaignId, userId, role, addedBy },
      update: { role },
    });
  }

  countOwners(campaignId: string): Promise<number> {
    return this.prisma.campaignMember.count({ where: { campaignId, role: 'owner' } });
  }

  /**
   * Removes a membership in the caller's transaction unless it would leave the campaign
   * without an owner (then it throws LastOwnerError, rolling the transaction back).
   * Resolves when the membership began (it keys the change), or null when there was none.
   */
  async removeMember({ db: tx }: Transaction, campaignId: string, userId: string): Promise<{ memberSince: Date } | null> {
    // Lock the campaign row so two owners removing each other cannot both succeed.
    await tx.$queryRaw`SELECT id FROM campaigns WHERE id = ${campaignId} FOR UPDATE`;
    const member = await tx.campaignMember.findUnique({ where: { campaignId_userId: { campaignId, userId } }, select: { createdAt: true } });
    if (!member) return null;
    await tx.campaignMember.delete({ where: { campaignId_userId: { campaignId, userId } } });
    const owners = await tx.campaignMember.count({ where: { campaignId, role: 'owner' } });
    if (owners === 0) throw new LastOwnerError();
    return { memberSince: member.createdAt };
  }

  /** Ids of everything in the campaign that has a room of its own. */
  async contentIds(campaignId: string): Promise<{ settlementIds: string[]; structureIds: string[] }> {
    const [settlements, structures] = await Promise.all([
      this.prisma.settlement.findMany({ where: { campaignId }, select: { id: true } }),
      this.prisma.structure.findMany({ where: { campaignId }, select: { id: true } }),
    ]);
    return { settlementIds: settlements.map((s) => s.id), structureIds: structures.map((s) => s.id) };
  }

  setClock({ db }: Transaction, id: string, clock: { clockRunning?: boolean; clockRate?: number }): Promise<Campaign> {
    return db.campaign.update({ where: { id }, data: clock });
  }

  /** Moves world time atomically (concurrent changes apply one after the other). */
  async changeWorldTime(tx: SqlTransaction, id: string, change: { advanceBySeconds: number } | { set: Date }): Promise<WorldTimeChange | null> {
    const [expression, param] =
      'set' in change
        ? ['$2::timestamptz', change.set.toISOString()]
        : ["c.world_time + ($2::double precision * interval '1 second')", change.advanceBySeconds];
    const rows = await tx
      .query<WorldTimeRow>(
        `WITH target AS (SELECT id, world_time FROM campaigns WHERE id = $1 FOR UPDATE)
       UPDATE campaigns c SET world_time = ${expression}, updated_at = now()
         FROM target WHERE c.id = target.id
       RETURNING c.id, target.world_time AS previous, c.world_time AS current`,
        [id, param],
      )
      .catch((err: unknown) => {
        if (sqlStateOf(err) === CHECK_VIOLATION) throw DomainError.badRequest('world time must stay within the years 1 to 9999');
        throw err;
      });
    return rows.length ? toChange(rows[0]) : null;
  }

  /**
   * Advances every running clock by its rate for the tick starting at `tickAt`, unless
   * that tick was applied already (by this or another instance): the row lock makes a
   * concurrent run wait and then see `last_tick_at = tickAt`, so it changes nothing. Runs in
   * the caller's transaction, which also stores the `world_time_changed` events.
   */
  async advanceRunningClocks(tx: SqlTransaction, tickAt: Date): Promise<WorldTimeChange[]> {
    const rows = await tx.query<WorldTimeRow>(
      `WITH due AS (
         SELECT id, world_time FROM campaigns
          WHERE clock_running AND clock_rate > 0 AND (last_tick_at IS NULL OR last_tick_at < $1::timestamptz)
            -- a clock at the end of time stops there instead of failing every tick
            AND world_time + (clock_rate * interval '1 second') < '10000-01-01T00:00:00Z'
          ORDER BY id FOR UPDATE)
       UPDATE campaigns c
          SET world_time = c.world_time + (c.clock_rate * interval '1 second'), last_tick_at = $1::timestamptz, updated_at = now()
         FROM due WHERE c.id = due.id
       RETURNING c.id, due.world_time AS previous, c.world_time AS current`,
      [tickAt.toISOString()],
    );
    return rows.map(toChange);
  }
}

/** Thrown inside a transaction to roll a removal back: the campaign keeps at least one owner. */
export class LastOwnerError extends Error {}

/** PostgreSQL's check_violation: world_time left its range. */
const CHECK_VIOLATION = '23514';

function toChange(row: WorldTimeRow): WorldTimeChange {
  return { campaignId: row.id, previousTime: new Date(row.previous), currentTime: new Date(row.current) };
}
