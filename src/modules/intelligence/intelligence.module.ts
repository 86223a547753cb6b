import { Module, OnModuleInit } from '@nestjs/common';
import { StatusRegistry } from '../../core/admin';
import { ChannelRegistry } from '../../core/realtime';
import { CountriesController } from './countries.controller';
import { CountryRepository } from './country.repository';
import { IntelligenceBroadcastJob } from './intelligence-broadcast.job';
import { IntelligenceBroadcastService } from './intelligence-broadcast.service';
import { IntelligenceItemRepository } from './intelligence-item.repository';
import { IntelligenceStatusExtension } from './intelligence-status.extension';
import { IntelligenceChannels } from './intelligence.channels';
import { IntelligenceController } from './intelligence.controller';
import { IntelligenceGateway } from './intelligence.gateway';
import { IntelligencePublisher } from './intelligence.publisher';
import { IntelligenceService } from './intelligence.service';

/** `/ws/intelligence`: countries, intelligence items, change-detection broadcasts, and its section of the status API. */
@Module({
  controllers: [CountriesController, IntelligenceController],
  providers: [
    CountryRepository,
    IntelligenceItemRepository,
    IntelligencePublisher,
    IntelligenceService,
    IntelligenceChannels,
    IntelligenceBroadcastService,
    IntelligenceBroadcastJob,
    IntelligenceStatusExtension,
    IntelligenceGateway,
  ],
})
export class IntelligenceModule implements OnModuleInit {
  constructor(
    private readonly registry: ChannelRegistry,
    private readonly channels: IntelligenceChannels,
    private readonly status: StatusRegistry,
    private readonly statusExtension: IntelligenceStatusExtension,
  ) {}

  onModuleInit(): void {
    // GET /api/history reads intelligence channels under the rule the gateway's subscribe applies.
    this.registry.register(this.channels);
    // The earlier app's fields and trigger_broadcast of the kernel's /api/websocket-status.
    this.status.register(this.statusExtension);
  }
}
