import { Injectable } from '@nestjs/common';
import { hasRole, type Principal } from '../../core/auth';
import { DomainError } from '../../core/errors';
import { CampaignRepository } from './campaign.repository';
import type { CampaignRole } from './campaign.dto';
import { SettlementRepository } from './settlement.repository';

/** What a caller wants to do in a campaign; the policy below says which roles may. */
export type CampaignAction =
  | 'read'
  | 'edit_content' // create and update settlements and structures
  | 'delete_content' // delete settlements and structures
  | 'invalidate' // POST /invalidate
  | 'change_world_time' // world time and the clock
  | 'manage_members' // add, remove and re-role gms, players and viewers
  | 'manage_owners'; // make or unmake owners

/**
 * The player policy (README, "/ws/campaign" policies): owners may do everything; GMs everything but
 * touching owners; players read and edit content (create/update settlements and
 * structures, invalidate derived state) but neither delete it nor change members or
 * world time; viewers only read.
 */
export const CAMPAIGN_POLICY: Record<CampaignRole, ReadonlySet<CampaignAction>> = {
  owner: new Set([
    'read',
    'edit_content',
    'delete_content',
    'invalidate',
    'change_world_time',
    'manage_members',
    'manage_owners',
  ]),
  gm: new Set(['read', 'edit_content', 'delete_content', 'invalidate', 'change_world_time', 'manage_members']),
  player: new Set(['read', 'edit_content', 'invalidate']),
  viewer: new Set(['read']),
};

/** Domain services (JWT role `service`) write on behalf of users, like a GM of every campaign. */
const SERVICE_ACTIONS = CAMPAIGN_POLICY.gm;

export type Room = { kind: 'campaign' | 'settlement' | 'structure'; id: string };

/**
 * Who may see and change a campaign. Not-a-member and no-such-campaign look the same
 * from outside (404 over HTTP, 'Unauthorized' on sockets), so ids cannot be probed.
 */
@Injectable()
export class CampaignMembershipService {
  constructor(
    private readonly campaigns: CampaignRepository,
    private readonly settlements: SettlementRepository,
  ) {}

  /** True when the user is a member of the campaign, in any role. */
  async canView(campaignId: string, userId: string): Promise<boolean> {
    return (await this.campaigns.roleOf(campaignId, userId)) !== null;
  }

  /**
   * Resolves the campaign a room belongs to if the user may view it; null for an
   * unknown id and a forbidden one alike. Settlements and structures are checked
   * through their parent campaign.
   */
  async campaignOfRoom(room: Room, userId: string): Promise<string | null> {
    const campaignId = await this.parentCampaign(room);
    if (!campaignId) return null;
    return (await this.canView(campaignId, userId)) ? campaignId : null;
  }

  /**
   * Throws unless the caller may do `action` in the campaign: `not_found` for an unknown
   * campaign and for a non-member, `forbidden` for a member whose role does not allow it.
   */
  async authorize(campaignId: string, caller: Principal, action: CampaignAction): Promise<void> {
    const role = await this.campaigns.roleOf(campaignId, caller.userId);
    if (role) {
      if (CAMPAIGN_POLICY[role].has(action)) return;
      throw DomainError.forbidden(`a campaign ${role} may not ${action.replace(/_/g, ' ')}`);
    }
    if (!hasRole(caller, 'service') || !(await this.campaigns.find(campaignId))) {
      throw DomainError.notFound('campaign not found');
    }
    if (!SERVICE_ACTIONS.has(action)) throw DomainError.forbidden(`a service may not ${action.replace(/_/g, ' ')}`);
  }

  private async parentCampaign(room: Room): Promise<string | null> {
    switch (room.kind) {
      case 'campaign':
        return room.id;
      case 'settlement':
        return (await this.settlements.findSettlement(room.id))?.campaignId ?? null;
      case 'structure':
        return (await this.settlements.findStructure(room.id))?.campaignId ?? null;
    }
  }
}
