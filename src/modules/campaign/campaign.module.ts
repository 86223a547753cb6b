import { Module, OnModuleInit } from '@nestjs/common';
import type { Principal } from '../../core/auth';
import { ChannelRegistry } from '../../core/realtime';
import { CampaignMembershipService, type Room } from './campaign-membership.service';
import { CampaignWorldClockJob } from './campaign-world-clock.job';
import { CampaignController } from './campaign.controller';
import { CAMPAIGN_NS } from './campaign.events';
import { CampaignGateway } from './campaign.gateway';
import { CampaignPublisher } from './campaign.publisher';
import { CampaignRepository } from './campaign.repository';
import { CampaignService } from './campaign.service';
import { SettlementController } from './settlement.controller';
import { SettlementRepository } from './settlement.repository';
import { SettlementService } from './settlement.service';
import { entityId } from './campaign.dto';

const CHANNEL = /^(campaign|settlement|structure):(.+)$/;

/** `/ws/campaign` (docs/modules/campaign.md): campaigns, members, settlements, structures, world clock. */
@Module({
  controllers: [CampaignController, SettlementController],
  providers: [
    CampaignRepository,
    SettlementRepository,
    CampaignMembershipService,
    CampaignPublisher,
    CampaignService,
    SettlementService,
    CampaignGateway,
    CampaignWorldClockJob,
  ],
  exports: [CampaignMembershipService, CampaignPublisher],
})
export class CampaignModule implements OnModuleInit {
  constructor(
    private readonly channels: ChannelRegistry,
    private readonly membership: CampaignMembershipService,
  ) {}

  onModuleInit(): void {
    // GET /api/history?channel=campaign:<id> etc., with the same rule as subscribing.
    this.channels.register({
      namespace: CAMPAIGN_NS,
      matches: (channel) => CHANNEL.test(channel),
      canRead: async (user: Principal, channel: string) => {
        const [, kind, id] = CHANNEL.exec(channel) ?? [];
        if (!kind || !entityId.safeParse(id).success) return false;
        return (await this.membership.campaignOfRoom({ kind: kind as Room['kind'], id }, user.userId)) !== null;
      },
    });
  }
}
