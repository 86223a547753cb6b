import { Module, OnModuleInit } from '@nestjs/common';
import { StatusRegistry } from '../../core/admin';
import { ChannelRegistry } from '../../core/realtime';
import { CountryRepository } from './country.repository';
import { IntelligenceBroadcastJob } from './intelligence-broadcast.job';
import { IntelligenceBroadcastService } from './intelligence-broadcast.service';
import { IntelligenceItemRepository } from './intelligence-item.repository';
import { CountriesController, IntelligenceController } from './intelligence.controller';
import { INTELLIGENCE_NAMESPACE, isIntelligenceChannel } from './intelligence.events';
import { IntelligenceGateway } from './intelligence.gateway';
import { IntelligencePublisher } from './intelligence.publisher';
import { IntelligenceStatusExtension } from './intelligence-status.extension';
import { IntelligenceService } from './intelligence.service';

/** `/ws/intelligence`: countries, intelligence items, change-detection broadcasts, and its section of the status API. */
@Module({
  controllers: [CountriesController, IntelligenceController],
  providers: [
    CountryRepository,
    IntelligenceItemRepository,
    IntelligencePublisher,
    IntelligenceService,
    IntelligenceBroadcastService,
    IntelligenceBroadcastJob,
    IntelligenceStatusExtension,
    IntelligenceGateway,
  ],
  exports: [IntelligencePublisher],
})
export class IntelligenceModule implements OnModuleInit {
  constructor(
    private readonly channels: ChannelRegistry,
    private readonly status: StatusRegistry,
    private readonly statusExtension: IntelligenceStatusExtension,
  ) {}

  onModuleInit(): void {
    // Every intelligence channel is open to any authenticated user, over sockets and GET /api/history alike.
    this.channels.register({ namespace: INTELLIGENCE_NAMESPACE, matches: isIntelligenceChannel, canRead: () => true });
    // The earlier app's fields and trigger_broadcast of the kernel's /api/websocket-status.
    this.status.register(this.statusExtension);
  }
}
