import { Injectable } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { NAMESPACES, type ChannelAccess } from '../../core/realtime';
import { CampaignMembershipService, type Room } from './campaign-membership.service';
import { entityId } from './campaign.dto';

const CHANNEL = /^(campaign|settlement|structure):(.+)$/;

/**
 * The channels of `/ws/campaign` (`campaign:<id>`, `settlement:<id>`, `structure:<id>`) for
 * GET /api/history and the generic `subscribe {channels}`: readable by members of the
 * campaign the room belongs to — the check the `subscribe_*` events make.
 */
@Injectable()
export class CampaignChannels implements ChannelAccess {
  readonly namespace = NAMESPACES.campaign;

  constructor(private readonly membership: CampaignMembershipService) {}

  matches(channel: string): boolean {
    return CHANNEL.test(channel);
  }

  /** Unknown ids and forbidden ones alike are false, so ids cannot be probed. */
  async canRead(user: Principal, channel: string): Promise<boolean> {
    const room = roomOf(channel);
    return room !== null && (await this.membership.campaignOfRoom(room, user.userId)) !== null;
  }
}

function roomOf(channel: string): Room | null {
  const [, kind, id] = CHANNEL.exec(channel) ?? [];
  if (!kind || !entityId.safeParse(id).success) return null;
  return { kind: kind as Room['kind'], id };
}
