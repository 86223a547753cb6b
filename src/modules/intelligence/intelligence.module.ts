import { Module, OnModuleInit } from '@nestjs/common';
import { ChannelRegistry } from '../../core/realtime';
import { CountryRepository } from './country.repository';
import { IntelligenceBroadcastJob } from './intelligence-broadcast.job';
import { IntelligenceBroadcastService } from './intelligence-broadcast.service';
import { IntelligenceItemRepository } from './intelligence-item.repository';
import { CountriesController, IntelligenceController } from './intelligence.controller';
import { INTELLIGENCE_NAMESPACE, isIntelligenceChannel } from './intelligence.events';
import { IntelligenceGateway } from './intelligence.gateway';
import { IntelligencePublisher } from './intelligence.publisher';
import { IntelligenceService } from './intelligence.service';
import { WebsocketStatusService } from './websocket-status.service';

/** `/ws/intelligence`: countries, intelligence items, change-detection broadcasts and the status API (issue #3). */
@Module({
  controllers: [CountriesController, IntelligenceController],
  providers: [
    CountryRepository,
    IntelligenceItemRepository,
    IntelligencePublisher,
    IntelligenceService,
    IntelligenceBroadcastService,
    IntelligenceBroadcastJob,
    WebsocketStatusService,
    IntelligenceGateway,
  ],
  exports: [IntelligencePublisher],
})
export class IntelligenceModule implements OnModuleInit {
  constructor(private readonly channels: ChannelRegistry) {}

  onModuleInit(): void {
    // Every intelligence channel is open to any authenticated user, over sockets and GET /api/history alike.
    this.channels.register({ namespace: INTELLIGENCE_NAMESPACE, matches: isIntelligenceChannel, canRead: () => true });
  }
}
