import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '../../core/realtime';
import { CampaignMembershipService } from './campaign-membership.service';
import { CampaignWorldClockJob } from './campaign-world-clock.job';
import { CampaignChannels } from './campaign.channels';
import { CampaignController } from './campaign.controller';
import { CampaignGateway } from './campaign.gateway';
import { CampaignPublisher } from './campaign.publisher';
import { CampaignRepository } from './campaign.repository';
import { CampaignService } from './campaign.service';
import { SettlementController } from './settlement.controller';
import { SettlementRepository } from './settlement.repository';
import { SettlementService } from './settlement.service';

/** `/ws/campaign` (docs/modules/campaign.md): campaigns, members, settlements, structures, world clock. */
@Module({
  controllers: [CampaignController, SettlementController],
  providers: [
    CampaignRepository,
    SettlementRepository,
    CampaignMembershipService,
    CampaignChannels,
    CampaignPublisher,
    CampaignService,
    SettlementService,
    CampaignGateway,
    CampaignWorldClockJob,
  ],
})
export class CampaignModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly channels: CampaignChannels,
  ) {}

  onModuleInit(): void {
    // GET /api/history?channel=campaign:<id> etc. and `subscribe {channels}`, with the rule of `subscribe_*`.
    this.registry.register(this.channels);
  }
}
