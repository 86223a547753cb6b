import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config';
import type { Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { UnitOfWork } from '../../core/realtime';
import { CampaignMembershipService } from './campaign-membership.service';
import {
  toCampaignDto,
  toMemberDto,
  toSettlementDto,
  toStructureDto,
  type CampaignDetailDto,
  type CampaignDto,
  type CampaignRole,
  type CreateCampaignInput,
  type CreatedCampaignDto,
  type InvalidatedDto,
  type MemberDto,
  type RemovedMemberDto,
  type WorldTimeInput,
} from './campaign.dto';
import { campaignRoom, settlementRoom, structureRoom, type EventMetadata } from './campaign.events';
import { CampaignPublisher } from './campaign.publisher';
import { CampaignRepository, type ClockChange } from './campaign.repository';
import { LastOwnerError } from './last-owner.error';

/** Who asks for a change, and how the events it causes are labelled. */
export interface Actor {
  principal: Principal;
  correlationId: string;
  source: 'http' | 'service';
}

export const metadataOf = (actor: Actor): EventMetadata => ({
  userId: actor.principal.userId,
  source: actor.source,
  correlationId: actor.correlationId,
});

/**
 * Campaigns, their members and their world time. Transport-agnostic: callers pass an Actor.
 * Every change commits in one transaction with the events (and revocations) it causes
 * (UnitOfWork), each keyed by the change; a request that changes nothing (the same role
 * again, the same clock) publishes nothing, so a retried request never publishes twice.
 */
@Injectable()
export class CampaignService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly membership: CampaignMembershipService,
    private readonly publisher: CampaignPublisher,
    private readonly uow: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(actor: Actor, input: CreateCampaignInput): Promise<CreatedCampaignDto> {
    const campaign = await this.campaigns.create(
      {
        name: input.name,
        worldTime: input.worldTime ? new Date(input.worldTime) : new Date(),
        clockRunning: input.clockRunning,
        clockRate: input.clockRate,
        createdBy: actor.principal.userId,
      },
      this.config.quotas,
    );
    return { ...toCampaignDto(campaign), yourRole: 'owner' };
  }

  async get(caller: Principal, campaignId: string): Promise<CampaignDetailDto> {
    await this.membership.authorize(campaignId, caller, 'read');
    const campaign = await this.campaigns.findWithContents(campaignId);
    if (!campaign) throw DomainError.notFound('campaign not found');
    // null for a service reading a campaign it is not a member of
    const yourRole = (campaign.members.find((m) => m.userId === caller.userId)?.role as CampaignRole | undefined) ?? null;
    return {
      ...toCampaignDto(campaign),
      yourRole,
      members: campaign.members.map(toMemberDto),
      settlements: campaign.settlements.map((s) => ({ ...toSettlementDto(s), structures: s.structures.map(toStructureDto) })),
    };
  }

  /** Adds a member or changes a member's role. Only owners make or unmake owners. */
  async addMember(actor: Actor, campaignId: string, userId: string, role: CampaignRole): Promise<MemberDto> {
    await this.membership.authorize(campaignId, actor.principal, 'manage_members');
    const current = await this.campaigns.roleOf(campaignId, userId);
    if (role === 'owner' || current === 'owner') {
      await this.membership.authorize(campaignId, actor.principal, 'manage_owners');
    }
    if (current === 'owner' && role !== 'owner') await this.refuseIfLastOwner(campaignId);
    return this.uow.run(async (tx) => {
      const before = await this.campaigns.lockMember(tx, campaignId, userId);
      if (before?.role === role) return toMemberDto(before); // nothing changes, nothing to announce
      const member = await this.campaigns.upsertMember(tx, campaignId, userId, role, actor.principal.userId);
      this.publisher.entityUpdatedIn(
        tx,
        { campaignId, entityType: 'campaign', entityId: campaignId, changedFields: ['members'], metadata: metadataOf(actor) },
        `${campaignId}:member:${userId}:${role}:${member.updatedAt.getTime()}`,
      );
      return toMemberDto(member);
    });
  }

  /**
   * Removes a member (anyone may leave; owners and GMs remove others; only owners remove
   * owners; the last owner stays). The removal, the revocation of the user's sockets from
   * the campaign's rooms on every instance and the `entity_updated` commit together; the
   * revocation comes first in offset order, so the removed user does not get the event.
   */
  async removeMember(
    actor: Actor,
    campaignId: string,
    userId: string,
  ): Promise<RemovedMemberDto> {
    const leaving = actor.principal.userId === userId;
    if (!leaving) await this.membership.authorize(campaignId, actor.principal, 'manage_members');
    const current = await this.campaigns.roleOf(campaignId, userId);
    if (!current) throw DomainError.notFound(leaving ? 'campaign not found' : 'member not found');
    if (current === 'owner' && !leaving) await this.membership.authorize(campaignId, actor.principal, 'manage_owners');

    const removed = await this.uow
      .run(async (tx) => {
        const gone = await this.campaigns.removeMember(tx, campaignId, userId);
        if (!gone) return false;
        const change = `${campaignId}:member-removed:${userId}:${gone.memberSince.getTime()}`;
        const { settlementIds, structureIds } = await this.campaigns.contentIds(tx, campaignId);
        const rooms = [campaignRoom(campaignId), ...settlementIds.map(settlementRoom), ...structureIds.map(structureRoom)];
        this.publisher.revokeMemberIn(tx, campaignId, userId, rooms, `${change}:revoke`);
        this.publisher.entityUpdatedIn(
          tx,
          { campaignId, entityType: 'campaign', entityId: campaignId, changedFields: ['members'], metadata: metadataOf(actor) },
          change,
        );
        return true;
      })
      .catch((err: unknown) => {
        if (err instanceof LastOwnerError) throw DomainError.conflict('a campaign keeps at least one owner');
        throw err;
      });
    if (!removed) throw DomainError.notFound('member not found');
    return { campaignId, userId, removed: true };
  }

  /**
   * Moves world time (advanceBy seconds, or set) and/or starts, stops or re-rates the clock,
   * in one atomic change; starting a clock counts against the caller's running-clock quota.
   * A change clients compute the time from goes out as `world_time_changed` at once.
   */
  async changeWorldTime(actor: Actor, campaignId: string, request: WorldTimeInput): Promise<CampaignDto> {
    await this.membership.authorize(campaignId, actor.principal, 'change_world_time');
    const metadata = metadataOf(actor);
    const clock = {
      running: request.running,
      rate: request.rate,
      set: request.set !== undefined ? new Date(request.set) : undefined,
      advanceBySeconds: request.advanceBy,
    };
    const campaign = await this.uow.run(async (tx) => {
      const before = await this.campaigns.lockCampaign(tx, campaignId);
      if (!before) return null;
      const change = await this.campaigns.changeClock(
        tx,
        campaignId,
        clock,
        actor.principal.userId,
        this.config.quotas.runningClocksPerUser,
      );
      if (!change) return null;
      if (!change.changed) return before; // the same clock again: nothing written, nothing to announce
      const { state } = change;
      // Keyed by the new anchor: one change of one clock is announced once.
      const key = `${campaignId}:clock:${state.tickedAt.getTime()}:${state.worldTime.toISOString()}:${state.clockRunning}:${state.clockRate}`;
      const clockFields = [
        ...(state.clockRunning !== before.clockRunning ? ['clockRunning'] : []),
        ...(state.clockRate !== before.clockRate ? ['clockRate'] : []),
      ];
      if (clockFields.length) {
        this.publisher.entityUpdatedIn(
          tx,
          { campaignId, entityType: 'campaign', entityId: campaignId, changedFields: clockFields, metadata },
          `${key}:fields`,
        );
      }
      this.publisher.worldTimeChangedIn(tx, { ...clockPayload(change), metadata }, key);
      return this.campaigns.lockCampaign(tx, campaignId);
    });
    if (!campaign) throw DomainError.notFound('campaign not found');
    return toCampaignDto(campaign);
  }

  async invalidate(
    actor: Actor,
    campaignId: string,
    keys: string[] | undefined,
  ): Promise<InvalidatedDto> {
    await this.membership.authorize(campaignId, actor.principal, 'invalidate');
    const event = await this.publisher.stateInvalidated({ campaignId, ...(keys ? { keys } : {}), metadata: metadataOf(actor) });
    return { campaignId, keys: keys ?? null, offset: event?.offset ?? null };
  }

  /**
   * One world-clock tick: running clocks not announced for WORLD_CLOCK_BROADCAST_SECONDS are
   * re-anchored and announced together, the clocks and their `world_time_changed` events in
   * one plain-SQL transaction (a clock is never re-anchored silently). Between announcements
   * clients compute the time themselves. Returns how many were announced.
   */
  async announceDueClocks(tickAt: Date): Promise<number> {
    // Most ticks find no clock due: one read says so, instead of a transaction every second.
    if (!(await this.campaigns.anyClockDue(tickAt, this.config.worldClockBroadcastSeconds))) return 0;
    const metadata: EventMetadata = { source: 'world-clock', correlationId: `world-clock:${tickAt.toISOString()}` };
    const due = await this.uow.runSql(async (tx) => {
      const reanchored = await this.campaigns.reanchorDueClocks(tx, tickAt, this.config.worldClockBroadcastSeconds);
      // One tick, one batched append: every announcement of it carries the same time.
      const timestamp = new Date().toISOString();
      for (const change of reanchored) {
        this.publisher.worldTimeChangedIn(
          tx,
          { ...clockPayload(change), metadata, timestamp },
          `${change.state.campaignId}:world-clock:${tickAt.toISOString()}`,
        );
      }
      return reanchored;
    });
    return due.length;
  }

  private async refuseIfLastOwner(campaignId: string): Promise<void> {
    // userId is an owner here, so fewer than two owners means it is the last one.
    if ((await this.campaigns.countOwners(campaignId)) < 2) throw DomainError.conflict('a campaign keeps at least one owner');
  }
}

function clockPayload({ previousTime, state }: ClockChange) {
  return {
    campaignId: state.campaignId,
    previousTime: previousTime.toISOString(),
    currentTime: state.worldTime.toISOString(),
    worldTime: state.worldTime.toISOString(),
    clockRate: state.clockRate,
    clockRunning: state.clockRunning,
    tickedAt: state.tickedAt.toISOString(),
  };
}
