import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { UnitOfWork, userRoom } from '../../core/realtime';
import { CampaignMembershipService } from './campaign-membership.service';
import { campaignView, memberView, settlementView, structureView } from './campaign-views';
import {
  campaignRoom,
  settlementRoom,
  structureRoom,
  type CampaignDetailView,
  type CampaignRole,
  type CampaignView,
  type EventMetadata,
  type MemberView,
} from './campaign.events';
import { CampaignPublisher } from './campaign.publisher';
import { CampaignRepository, LastOwnerError } from './campaign.repository';

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

export interface WorldTimeRequest {
  advanceBy?: number;
  set?: string;
  running?: boolean;
  rate?: number;
}

/**
 * Campaigns, their members and their world time. Transport-agnostic: callers pass an Actor.
 * Every change commits in one transaction with the events it causes (UnitOfWork), keyed by
 * the change; a request that changes nothing (the same role again, the same world time)
 * publishes nothing, so a retried request never publishes twice.
 */
@Injectable()
export class CampaignService {
  private readonly logger = new Logger(CampaignService.name);

  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly membership: CampaignMembershipService,
    private readonly publisher: CampaignPublisher,
    private readonly uow: UnitOfWork,
  ) {}

  async create(
    actor: Actor,
    input: { name: string; worldTime?: string; clockRunning: boolean; clockRate: number },
  ): Promise<CampaignView & { yourRole: CampaignRole }> {
    const campaign = await this.campaigns.create({
      name: input.name,
      worldTime: input.worldTime ? new Date(input.worldTime) : new Date(),
      clockRunning: input.clockRunning,
      clockRate: input.clockRate,
      createdBy: actor.principal.userId,
    });
    return { ...campaignView(campaign), yourRole: 'owner' };
  }

  async get(caller: Principal, campaignId: string): Promise<CampaignDetailView> {
    await this.membership.authorize(campaignId, caller, 'read');
    const campaign = await this.campaigns.findWithContents(campaignId);
    if (!campaign) throw DomainError.notFound('campaign not found');
    // null for a service reading a campaign it is not a member of
    const yourRole = (campaign.members.find((m) => m.userId === caller.userId)?.role as CampaignRole | undefined) ?? null;
    return {
      ...campaignView(campaign),
      yourRole,
      members: campaign.members.map(memberView),
      settlements: campaign.settlements.map((s) => ({ ...settlementView(s), structures: s.structures.map(structureView) })),
    };
  }

  /** Adds a member or changes a member's role. Only owners make or unmake owners. */
  async addMember(actor: Actor, campaignId: string, userId: string, role: CampaignRole): Promise<MemberView> {
    await this.membership.authorize(campaignId, actor.principal, 'manage_members');
    const current = await this.campaigns.roleOf(campaignId, userId);
    if (role === 'owner' || current === 'owner') {
      await this.membership.authorize(campaignId, actor.principal, 'manage_owners');
    }
    if (current === 'owner' && role !== 'owner') await this.refuseIfLastOwner(campaignId);
    if (current === role) {
      const unchanged = await this.campaigns.findMember(campaignId, userId);
      if (unchanged) return memberView(unchanged); // nothing changes, nothing to announce
    }
    return this.uow.run(async (tx) => {
      const member = await this.campaigns.upsertMember(tx, campaignId, userId, role, actor.principal.userId);
      this.publisher.entityUpdatedIn(
        tx,
        { campaignId, entityType: 'campaign', entityId: campaignId, changedFields: ['members'], metadata: metadataOf(actor) },
        `${campaignId}:member:${userId}:${role}:${member.updatedAt.getTime()}`,
      );
      return memberView(member);
    });
  }

  /**
   * Removes a member (anyone may leave; owners and GMs remove others; only owners remove
   * owners; the last owner stays). Resolves once the user's sockets have left the
   * campaign's rooms on every instance.
   */
  async removeMember(
    actor: Actor,
    campaignId: string,
    userId: string,
  ): Promise<{ campaignId: string; userId: string; removed: true }> {
    const leaving = actor.principal.userId === userId;
    if (!leaving) await this.membership.authorize(campaignId, actor.principal, 'manage_members');
    const current = await this.campaigns.roleOf(campaignId, userId);
    if (!current) throw DomainError.notFound(leaving ? 'campaign not found' : 'member not found');
    if (current === 'owner' && !leaving) await this.membership.authorize(campaignId, actor.principal, 'manage_owners');

    const removed = await this.uow
      .run(async (tx) => {
        const gone = await this.campaigns.removeMember(tx, campaignId, userId);
        // Announced to everyone but the removed user, whose sockets leave the rooms next.
        if (gone) {
          this.publisher.entityUpdatedIn(
            tx,
            { campaignId, entityType: 'campaign', entityId: campaignId, changedFields: ['members'], metadata: metadataOf(actor) },
            `${campaignId}:member-removed:${userId}:${gone.memberSince.getTime()}`,
            [userRoom(userId)],
          );
        }
        return gone !== null;
      })
      .catch((err: unknown) => {
        if (err instanceof LastOwnerError) throw DomainError.conflict('a campaign keeps at least one owner');
        throw err;
      });
    if (!removed) throw DomainError.notFound('member not found');

    const { settlementIds, structureIds } = await this.campaigns.contentIds(campaignId);
    const rooms = [campaignRoom(campaignId), ...settlementIds.map(settlementRoom), ...structureIds.map(structureRoom)];
    await this.publisher.revokeMember(campaignId, userId, rooms);
    return { campaignId, userId, removed: true };
  }

  /** Moves world time (advanceBy seconds, or set) and/or starts, stops or re-rates the clock. */
  async changeWorldTime(actor: Actor, campaignId: string, request: WorldTimeRequest): Promise<CampaignView> {
    await this.membership.authorize(campaignId, actor.principal, 'change_world_time');
    const metadata = metadataOf(actor);
    const clockFields = (['running', 'rate'] as const).filter((k) => request[k] !== undefined);
    const change =
      request.set !== undefined
        ? { set: new Date(request.set) }
        : request.advanceBy !== undefined
          ? { advanceBySeconds: request.advanceBy }
          : undefined;
    // Read before the transaction: on the embedded database a read outside an open transaction waits for it.
    const before = clockFields.length ? await this.campaigns.find(campaignId) : null;
    if (clockFields.length && !before) throw DomainError.notFound('campaign not found');
    await this.uow.run(async (tx) => {
      if (before) {
        const after = await this.campaigns.setClock(tx, campaignId, { clockRunning: request.running, clockRate: request.rate });
        const changed = clockFields.filter((k) => (k === 'running' ? before.clockRunning !== after.clockRunning : before.clockRate !== after.clockRate));
        if (changed.length) {
          this.publisher.entityUpdatedIn(
            tx,
            {
              campaignId,
              entityType: 'campaign',
              entityId: campaignId,
              changedFields: changed.map((k) => (k === 'running' ? 'clockRunning' : 'clockRate')),
              metadata,
            },
            `${campaignId}:clock:${after.clockRunning}:${after.clockRate}:${after.updatedAt.getTime()}`,
          );
        }
      }
      if (change) {
        const moved = await this.campaigns.changeWorldTime(tx, campaignId, change);
        if (!moved) throw DomainError.notFound('campaign not found');
        const [previousTime, currentTime] = [moved.previousTime.toISOString(), moved.currentTime.toISOString()];
        // The same time again is no change: nothing to announce.
        if (previousTime !== currentTime) {
          this.publisher.worldTimeChangedIn(tx, { campaignId, previousTime, currentTime, metadata }, `${campaignId}:world-time:${previousTime}:${currentTime}:${actor.correlationId}`);
        }
      }
    });
    const campaign = await this.campaigns.find(campaignId);
    if (!campaign) throw DomainError.notFound('campaign not found');
    return campaignView(campaign);
  }

  async invalidate(
    actor: Actor,
    campaignId: string,
    keys: string[] | undefined,
  ): Promise<{ campaignId: string; keys: string[] | null; offset: string | null }> {
    await this.membership.authorize(campaignId, actor.principal, 'invalidate');
    const event = await this.publisher.stateInvalidated(
      { campaignId, ...(keys ? { keys } : {}), metadata: metadataOf(actor) },
      `${campaignId}:invalidate:${actor.correlationId}:${JSON.stringify(keys ?? null)}`,
    );
    return { campaignId, keys: keys ?? null, offset: event?.offset ?? null };
  }

  /**
   * One world-clock tick: every running clock advances by its rate, once per tick however
   * many instances run it (the repository's per-row tick guard). Returns how many moved.
   */
  async advanceRunningClocks(tickAt: Date): Promise<number> {
    const metadata: EventMetadata = { source: 'world-clock', correlationId: `world-clock:${tickAt.toISOString()}` };
    // The clocks and their world_time_changed events commit together: a tick never moves a clock silently.
    const changes = await this.uow.runSql(async (tx) => {
      const moved = await this.campaigns.advanceRunningClocks(tx, tickAt);
      for (const change of moved) {
        this.publisher.worldTimeChangedIn(
          tx,
          { campaignId: change.campaignId, previousTime: change.previousTime.toISOString(), currentTime: change.currentTime.toISOString(), metadata },
          `${change.campaignId}:world-clock:${tickAt.toISOString()}`,
        );
      }
      return moved;
    });
    return changes.length;
  }

  private async refuseIfLastOwner(campaignId: string): Promise<void> {
    // userId is an owner here, so fewer than two owners means it is the last one.
    if ((await this.campaigns.countOwners(campaignId)) < 2) throw DomainError.conflict('a campaign keeps at least one owner');
  }
}
