import { Injectable } from '@nestjs/common';
import { DomainError } from '../../core/errors';
import { PrismaService } from '../../core/prisma';
import type { SqlTransaction, Transaction } from '../../core/realtime';
import type { Campaign, CampaignMember, Prisma, Settlement, Structure } from '../../generated/prisma/client';
import type { CampaignRole } from './campaign.dto';
import { LastOwnerError } from './last-owner.error';

interface NewCampaign {
  name: string;
  worldTime: Date;
  clockRunning: boolean;
  clockRate: number;
  createdBy: string;
}

type CampaignWithContents = Campaign & {
  members: CampaignMember[];
  settlements: Array<Settlement & { structures: Structure[] }>;
};

/** A world clock as stored: the time was `worldTime` at `tickedAt`, and runs at `clockRate` while `clockRunning`. */
interface ClockState {
  campaignId: string;
  worldTime: Date;
  clockRate: number;
  clockRunning: boolean;
  tickedAt: Date;
}

/** One change of a world clock: the world time just before it and the state after it. */
export interface ClockChange {
  previousTime: Date;
  state: ClockState;
  /** False when nothing a client computes the time from changed (e.g. starting a running clock). */
  changed: boolean;
}

interface ClockRequest {
  running?: boolean;
  rate?: number;
  set?: Date;
  advanceBySeconds?: number;
}

interface CampaignQuotas {
  campaignsPerUser: number;
  runningClocksPerUser: number;
}

interface ClockRow {
  id: string;
  previous: Date | string;
  world_time: Date | string;
  clock_rate: number;
  ticked_at: Date | string;
}

/** World times must stay within the years 1 to 9999 (what ISO strings, JavaScript and PostgreSQL share). */
const MIN_WORLD_TIME = Date.parse('0001-01-01T00:00:00.000Z');
const END_OF_TIME = Date.UTC(10000, 0, 1);
/** Campaigns announced per world-clock tick at most; the rest are due on the next tick. */
const MAX_ANNOUNCED_PER_TICK = 1000;

/** The world time a clock shows at `at`. */
export function worldTimeAt(clock: Pick<ClockState, 'worldTime' | 'clockRate' | 'clockRunning' | 'tickedAt'>, at: Date): Date {
  if (!clock.clockRunning) return clock.worldTime;
  const ms = clock.worldTime.getTime() + Math.max(0, at.getTime() - clock.tickedAt.getTime()) * clock.clockRate;
  return new Date(Math.min(Math.round(ms), END_OF_TIME - 1));
}

/** Campaigns and their memberships (one aggregate): the only Prisma user for them. */
@Injectable()
export class CampaignRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Creates the campaign with its creator as owner, in one transaction, unless the creator
   * is at their campaign quota (or, for a running clock, their running-clock quota).
   */
  create(campaign: NewCampaign, quotas: CampaignQuotas): Promise<Campaign> {
    return this.prisma.$transaction(async (tx) => {
      await lockUserQuota(tx, campaign.createdBy);
      const owned = await tx.campaign.count({ where: { createdBy: campaign.createdBy } });
      if (owned >= quotas.campaignsPerUser) throw campaignQuota(quotas.campaignsPerUser);
      if (campaign.clockRunning) await refuseOverClockQuota(tx, campaign.createdBy, quotas.runningClocksPerUser);
      return tx.campaign.create({
        data: {
          ...campaign,
          tickedAt: new Date(),
          clockStartedBy: campaign.clockRunning ? campaign.createdBy : null,
          members: { create: { userId: campaign.createdBy, role: 'owner', addedBy: campaign.createdBy } },
        },
      });
    });
  }

  find(id: string): Promise<Campaign | null> {
    return this.prisma.campaign.findUnique({ where: { id } });
  }

  /** The campaign as the transaction sees it, its row locked until the transaction ends. */
  async lockCampaign({ db }: Transaction, id: string): Promise<Campaign | null> {
    await db.$queryRaw`SELECT id FROM campaigns WHERE id = ${id} FOR UPDATE`;
    return db.campaign.findUnique({ where: { id } });
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

  /** The membership as the transaction sees it, the row locked until it ends (so a concurrent change waits and sees this one). */
  async lockMember({ db }: Transaction, campaignId: string, userId: string): Promise<CampaignMember | null> {
    await db.$queryRaw`SELECT user_id FROM campaign_members WHERE campaign_id = ${campaignId} AND user_id = ${userId} FOR UPDATE`;
    return db.campaignMember.findUnique({ where: { campaignId_userId: { campaignId, userId } } });
  }

  /** Adds the member or changes its role, in the caller's transaction. */
  upsertMember(
    { db }: Transaction,
    campaignId: string,
    userId: string,
    role: CampaignRole,
    addedBy: string,
  ): Promise<CampaignMember> {
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
  async removeMember({ db }: Transaction, campaignId: string, userId: string): Promise<{ memberSince: Date } | null> {
    // Lock the campaign row so two owners removing each other cannot both succeed.
    await db.$queryRaw`SELECT id FROM campaigns WHERE id = ${campaignId} FOR UPDATE`;
    const member = await db.campaignMember.findUnique({
      where: { campaignId_userId: { campaignId, userId } },
      select: { createdAt: true },
    });
    if (!member) return null;
    await db.campaignMember.delete({ where: { campaignId_userId: { campaignId, userId } } });
    const owners = await db.campaignMember.count({ where: { campaignId, role: 'owner' } });
    if (owners === 0) throw new LastOwnerError();
    return { memberSince: member.createdAt };
  }

  /** Ids of everything in the campaign that has a room of its own, as the caller's transaction sees them. */
  async contentIds({ db }: Transaction, campaignId: string): Promise<{ settlementIds: string[]; structureIds: string[] }> {
    const settlements = await db.settlement.findMany({ where: { campaignId }, select: { id: true } });
    const structures = await db.structure.findMany({ where: { campaignId }, select: { id: true } });
    return { settlementIds: settlements.map((s) => s.id), structureIds: structures.map((s) => s.id) };
  }

  /**
   * Applies one request to a world clock atomically: the time the clock shows now becomes
   * the new anchor (so a rate change or a stop keeps the time reached), then the time is
   * set or advanced and the clock started, stopped or re-rated. Starting a clock counts
   * against the starter's running-clock quota. Runs in the caller's transaction, which also
   * stores the events announcing the change. A request that changes nothing a client
   * computes the time from (the same time, state and rate again) writes nothing and
   * resolves `changed: false`. Resolves null for an unknown campaign.
   */
  async changeClock(
    { db: tx }: Transaction,
    id: string,
    request: ClockRequest,
    by: string,
    runningClocksPerUser: number,
  ): Promise<ClockChange | null> {
    await tx.$queryRaw`SELECT id FROM campaigns WHERE id = ${id} FOR UPDATE`;
    const current = await tx.campaign.findUnique({ where: { id } });
    if (!current) return null;
    const now = new Date();
    const previousTime = worldTimeAt(current, now);
    const starting = request.running === true && !current.clockRunning;
    if (starting) {
      await lockUserQuota(tx, by);
      await refuseOverClockQuota(tx, by, runningClocksPerUser);
    }
    const worldTime =
      request.set ??
      (request.advanceBySeconds !== undefined
        ? new Date(previousTime.getTime() + request.advanceBySeconds * 1000)
        : previousTime);
    if (!(worldTime.getTime() >= MIN_WORLD_TIME && worldTime.getTime() < END_OF_TIME)) {
      throw DomainError.badRequest('world time must stay within the years 1 to 9999');
    }
    const running = request.running ?? current.clockRunning;
    const rate = request.rate ?? current.clockRate;
    const changed =
      worldTime.getTime() !== previousTime.getTime() || running !== current.clockRunning || rate !== current.clockRate;
    if (!changed) return { previousTime, state: clockState(current), changed };
    const updated = await tx.campaign.update({
      where: { id },
      data: {
        worldTime,
        tickedAt: now,
        clockRunning: running,
        clockRate: rate,
        ...(starting ? { clockStartedBy: by } : {}),
      },
    });
    return { previousTime, state: clockState(updated), changed };
  }

  /**
   * Whether reanchorDueClocks(tickAt, periodSeconds) would find a clock, read without locks
   * or a transaction. A clock's anchor only moves forward, so a "no" stays true for that tick.
   */
  async anyClockDue(tickAt: Date, periodSeconds: number): Promise<boolean> {
    const [row] = await this.prisma.sql.query<{ due: boolean }>(`SELECT EXISTS (SELECT 1 FROM campaigns WHERE ${CLOCK_DUE}) AS due`, [
      tickAt.toISOString(),
      periodSeconds,
    ]);
    return row?.due === true;
  }

  /**
   * The periodic announcement of running clocks: every running clock last anchored at
   * least `periodSeconds` before `tickAt` is re-anchored at `tickAt` (its world time moved
   * to what it shows then) and returned, at most MAX_ANNOUNCED_PER_TICK per call. The row
   * lock makes a concurrent run (another instance, a repeated tick) wait and then find the
   * clock no longer due, so each is announced once per period. Runs in the caller's
   * transaction, which also stores the announcements: a clock is re-anchored only with them.
   */
  async reanchorDueClocks(tx: SqlTransaction, tickAt: Date, periodSeconds: number): Promise<ClockChange[]> {
    const rows = await tx.query<ClockRow>(
      `WITH due AS (
         SELECT id, world_time, ticked_at FROM campaigns
          WHERE ${CLOCK_DUE}
          ORDER BY ticked_at, id LIMIT $3 FOR UPDATE)
       UPDATE campaigns c
          -- Compared in epoch seconds first: a fast clock left long enough would step past
          -- PostgreSQL's timestamp range, and one such row would fail the whole statement.
          SET world_time = CASE
                WHEN extract(epoch FROM due.world_time) + extract(epoch FROM $1::timestamptz - due.ticked_at) * c.clock_rate::numeric
                     >= extract(epoch FROM $4::timestamptz) THEN $4::timestamptz
                ELSE due.world_time + ($1::timestamptz - due.ticked_at) * c.clock_rate END,
              ticked_at = $1::timestamptz, updated_at = now()
         FROM due WHERE c.id = due.id
       RETURNING c.id, due.world_time AS previous, c.world_time, c.clock_rate, c.ticked_at`,
      [tickAt.toISOString(), periodSeconds, MAX_ANNOUNCED_PER_TICK, new Date(END_OF_TIME - 1).toISOString()],
    );
    return rows.map((row) => ({
      previousTime: new Date(row.previous),
      changed: true,
      state: {
        campaignId: row.id,
        worldTime: new Date(row.world_time),
        clockRate: Number(row.clock_rate),
        clockRunning: true,
        tickedAt: new Date(row.ticked_at),
      },
    }));
  }
}

type Tx = Prisma.TransactionClient;

/** A running clock last anchored at least $2 seconds before the tick $1: due an announcement. */
const CLOCK_DUE = "clock_running AND clock_rate > 0 AND ticked_at <= $1::timestamptz - ($2::double precision * interval '1 second')";

/**
 * Serialises quota checks of one user (campaigns created, clocks started) so two requests
 * cannot both pass a count taken before the other's insert; released at commit.
 */
async function lockUserQuota(tx: Tx, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`campaign-quota:${userId}`}))::text`;
}

async function refuseOverClockQuota(tx: Tx, userId: string, limit: number): Promise<void> {
  const running = await tx.campaign.count({ where: { clockStartedBy: userId, clockRunning: true } });
  if (running >= limit) {
    throw DomainError.quotaExceeded(`at most ${limit} running world clocks per user; stop one first`, {
      quota: 'running_clocks_per_user',
      limit,
    });
  }
}

const campaignQuota = (limit: number) =>
  DomainError.quotaExceeded(`at most ${limit} campaigns per user`, { quota: 'campaigns_per_user', limit });

function clockState(c: Campaign): ClockState {
  return { campaignId: c.id, worldTime: c.worldTime, clockRate: c.clockRate, clockRunning: c.clockRunning, tickedAt: c.tickedAt };
}
